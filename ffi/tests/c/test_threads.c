/* Several threads at once, each with its own handles: every thread runs a job into its own folder
 * and renders and re-reads marks. Usage: test_threads LETTERS.PDF LETTERS.CSV WORK_DIR */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdlib.h>

#include "check.h"

#define THREADS 3
#define MARKS 40

struct task {
    int index;
    const char *pdf;
    const char *csv;
    const char *work;
    int failures;
};

static void *run_task(void *arg) {
    struct task *t = (struct task *)arg;
    char json[4096], job_id[16];
    snprintf(job_id, sizeof job_id, "THREAD%d", t->index);
    snprintf(json, sizeof json,
             "{\"job\":\"%s\",\"inputs\":[\"%s\"],\"split\":{\"rule\":\"index\",\"path\":\"%s\"},"
             "\"out_dir\":\"%s/thread-%d\"}",
             job_id, t->pdf, t->csv, t->work, t->index);
    sheetseal_job *job = NULL;
    if (sheetseal_job_new(json, strlen(json), &job) != SHEETSEAL_OK || sheetseal_job_run(job) != SHEETSEAL_OK) {
        t->failures++;
    }
    size_t items = 0, sheets = 0;
    if (sheetseal_job_counts(job, &items, &sheets) != SHEETSEAL_OK || items != 20) {
        t->failures++;
    }
    sheetseal_job_free(job);

    unsigned char raster[200 * 200];
    for (int i = 1; i <= MARKS; i++) {
        sheetseal_payload_fields fields = {(size_t)(t->index * 1000 + i), 1, 1};
        char payload[64], job_back[16];
        size_t len = 0, job_len = 0;
        sheetseal_payload_fields back = {0, 0, 0};
        sheetseal_symbol *symbol = NULL;
        if (sheetseal_payload_build(job_id, strlen(job_id), &fields, payload, sizeof payload, &len) != SHEETSEAL_OK ||
            sheetseal_symbol_new(payload, len, &symbol) != SHEETSEAL_OK) {
            t->failures++;
            continue;
        }
        sheetseal_raster r = {raster, sizeof raster, 200, 200, 200, SHEETSEAL_RASTER_GRAY8};
        sheetseal_render_options o = {300.0, 0.5, 0, 0, 2};
        if (sheetseal_symbol_render(symbol, &r, &o) != SHEETSEAL_OK || raster[(2 * 6) * 200 + 2 * 6] != 0) {
            t->failures++;
        }
        if (sheetseal_payload_decode(payload, len, job_back, sizeof job_back, &job_len, &back) != SHEETSEAL_OK ||
            back.item_seq != fields.item_seq || strcmp(job_back, job_id) != 0) {
            t->failures++;
        }
        sheetseal_symbol_free(symbol);
    }
    /* A failure on this thread leaves its own message, not another thread's. */
    char bad[] = "{";
    sheetseal_job *none = NULL;
    if (sheetseal_job_new(bad, 1, &none) != SHEETSEAL_ERR_CONFIG || strstr(last_error(), "job description") == NULL) {
        t->failures++;
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: test_threads LETTERS.PDF LETTERS.CSV WORK_DIR\n");
        return 2;
    }
    pthread_t threads[THREADS];
    struct task tasks[THREADS];
    for (int i = 0; i < THREADS; i++) {
        tasks[i] = (struct task){i, argv[1], argv[2], argv[3], 0};
        CHECK(pthread_create(&threads[i], NULL, run_task, &tasks[i]) == 0);
    }
    for (int i = 0; i < THREADS; i++) {
        CHECK(pthread_join(threads[i], NULL) == 0);
        CHECK(tasks[i].failures == 0);
    }
    return check_exit("test_threads");
}
