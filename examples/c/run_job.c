/* The smallest job-level program: runs the job described by a JSON file (the CLI's job
 * description plus "out_dir") and prints its warnings.
 * Build: cc -std=c11 run_job.c $(pkg-config --cflags --libs sheetseal) */
#include <stdio.h>
#include <stdlib.h>

#include "sheetseal.h"

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s JOB.json\n", argv[0]);
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    char json[65536];
    size_t len = fread(json, 1, sizeof json, f);
    fclose(f);

    char message[1024];
    size_t message_len = 0;
    sheetseal_job *job = NULL;
    if (sheetseal_job_new(json, len, &job) != SHEETSEAL_OK) {
        sheetseal_last_error_message(message, sizeof message, &message_len);
        fprintf(stderr, "%s\n", message);
        return 1;
    }
    sheetseal_status status = sheetseal_job_run(job);
    if (status != SHEETSEAL_OK) {
        sheetseal_job_error_message(job, message, sizeof message, &message_len);
        fprintf(stderr, "%s (%s)\n", message, sheetseal_status_name(status));
        sheetseal_job_free(job);
        return 1;
    }
    size_t warnings = 0;
    sheetseal_job_warning_count(job, &warnings);
    for (size_t i = 0; i < warnings; i++) {
        if (sheetseal_job_warning(job, i, message, sizeof message, &message_len) == SHEETSEAL_OK) {
            printf("warning: %s\n", message);
        }
    }
    sheetseal_job_free(job);
    return warnings ? 3 : 0; /* 3: succeeded with warnings */
}
