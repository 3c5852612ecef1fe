/* must_check: SG_MUST_CHECK before a declaration's return type marks a
 * result the caller may not ignore (failure codes, new objects). */
#ifndef SG_MUST_CHECK_H
#define SG_MUST_CHECK_H

#define SG_MUST_CHECK __attribute__((warn_unused_result))

#endif
