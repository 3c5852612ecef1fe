/*
 * test_mhd_compat: the libmicrohttpd the tests link is the one the edge is
 * tested with (server/mhd_compat.h), and the start-up check says so; a
 * Debian update to another version fails here first, before any answer
 * changes unnoticed.
 */
#include "mhd_compat.h"

#include "check.h"

int main(void)
{
    char err[512] = "";
    CHECK(sg_mhd_version_check(err, sizeof err) == 0, "start-up check: %s", err);
    CHECK_STREQ(MHD_get_version(), SG_MHD_TESTED_VERSION_TEXT, "loaded libmicrohttpd");
    CHECK(MHD_VERSION == SG_MHD_TESTED_VERSION, "built against MHD_VERSION %x", MHD_VERSION);
    return sg_check_result("test_mhd_compat");
}
