/* The library contract without a job: versions, status names, error messages and NULL handling. */
#include <stdlib.h>

#include "check.h"

int main(void) {
    /* The header's version macros match the library's run-time version. */
    char expected[64];
    snprintf(expected, sizeof expected, "%d.%d.%d", SHEETSEAL_VERSION_MAJOR, SHEETSEAL_VERSION_MINOR,
             SHEETSEAL_VERSION_PATCH);
    CHECK(strcmp(sheetseal_version(), expected) == 0);
    CHECK(sheetseal_version_number() ==
          SHEETSEAL_VERSION_MAJOR * 10000u + SHEETSEAL_VERSION_MINOR * 100u + SHEETSEAL_VERSION_PATCH);

    /* Stable numbers and names. */
    CHECK(SHEETSEAL_OK == 0);
    CHECK(SHEETSEAL_ERR_CONFIG == 7100);
    CHECK(strcmp(sheetseal_status_name(SHEETSEAL_ERR_NULL_ARGUMENT), "null argument") == 0);
    CHECK(strcmp(sheetseal_status_name(99999), "unknown status") == 0);

    /* NULL arguments are errors, and outputs are untouched on failure. */
    sheetseal_job *job = (sheetseal_job *)&job; /* a sentinel that must survive failed calls */
    CHECK_STATUS(sheetseal_job_new(NULL, 3, &job), SHEETSEAL_ERR_NULL_ARGUMENT);
    CHECK(job == (sheetseal_job *)&job);
    CHECK(strstr(last_error(), "config_json") != NULL);
    CHECK_STATUS(sheetseal_job_new("{}", 2, NULL), SHEETSEAL_ERR_NULL_ARGUMENT);
    CHECK_STATUS(sheetseal_job_run(NULL), SHEETSEAL_ERR_NULL_ARGUMENT);
    size_t count = 77;
    CHECK_STATUS(sheetseal_job_warning_count(NULL, &count), SHEETSEAL_ERR_NULL_ARGUMENT);
    CHECK(count == 77);
    sheetseal_job_free(NULL);

    /* Bad JSON and invalid UTF-8. */
    const char *bad = "{\"job\": ";
    CHECK_STATUS(sheetseal_job_new(bad, strlen(bad), &job), SHEETSEAL_ERR_CONFIG);
    CHECK(job == (sheetseal_job *)&job);
    CHECK(strstr(last_error(), "invalid job description") != NULL);
    const char latin1[] = "{\"job\": \"J\xe9\"}";
    CHECK_STATUS(sheetseal_job_new(latin1, sizeof latin1 - 1, &job), SHEETSEAL_ERR_INVALID_UTF8);
    const char *no_out = "{\"job\":\"J1\",\"inputs\":[\"a.pdf\"],\"split\":{\"rule\":\"fixed\",\"pages\":1}}";
    CHECK_STATUS(sheetseal_job_new(no_out, strlen(no_out), &job), SHEETSEAL_ERR_CONFIG);
    CHECK(strstr(last_error(), "out_dir") != NULL);

    /* A too small buffer: nothing copied, the needed length reported. */
    char small[4] = {'x', 'x', 'x', 'x'};
    size_t needed = 0;
    CHECK_STATUS(sheetseal_last_error_message(small, sizeof small, &needed), SHEETSEAL_ERR_BUFFER_TOO_SMALL);
    CHECK(needed > sizeof small);
    CHECK(small[0] == 'x');
    CHECK_STATUS(sheetseal_last_error_message(NULL, 10, &needed), SHEETSEAL_ERR_NULL_ARGUMENT);

    return check_exit("test_basics");
}
