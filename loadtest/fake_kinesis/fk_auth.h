/*
 * fk_auth: checks that a request carries a well-formed AWS Signature
 * Version 4 for Kinesis, as the real service would before looking at the
 * signature's value. fake_kinesis does not know the secret key, so the
 * signature itself is checked for shape only (64 lowercase hex digits).
 *
 * Rules follow the SigV4 documentation, "Signature Version 4 signing
 * process" / "Add the signature to the HTTP request":
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
 *   Authorization: AWS4-HMAC-SHA256 Credential=<key id>/<yyyymmdd>/<region>/
 *       kinesis/aws4_request, SignedHeaders=<sorted ';' list>, Signature=<hex>
 *   X-Amz-Date: <yyyymmdd>T<hhmmss>Z, same day as the credential scope.
 * Pure except for the header lookup callback; thread-safe.
 */
#ifndef FK_AUTH_H
#define FK_AUTH_H

#include <time.h>

#define FK_AUTH_REGION_MAX 32

/* Why a request was refused: the JSON-1.1 "__type" and "message". */
struct fk_auth_error {
    char type[48];
    char message[192];
};

/* Returns 1 when the request has a header called name (lowercase). */
typedef int (*fk_auth_has_header_fn)(void *ctx, const char *name);

/*
 * Checks the SigV4 headers of one request.
 * [in]  authorization, amz_date: header values, NULL when absent.
 * [in]  now, max_skew: X-Amz-Date must be within max_skew seconds of now
 *       (no check when max_skew <= 0).
 * [in]  has_header, ctx: each signed header must be present.
 * [out] region: the credential scope's region (on success).
 * [out] err: filled on failure.
 * Returns 0 when well formed, -1 otherwise.
 */
int fk_auth_check(const char *authorization, const char *amz_date, time_t now, long max_skew,
                  fk_auth_has_header_fn has_header, void *ctx, char region[FK_AUTH_REGION_MAX],
                  struct fk_auth_error *err);

#endif
