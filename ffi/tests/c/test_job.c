/* Runs jobs from a JSON description: success with counts and warnings, and the failures a run can
 * meet (bad PDF, unwritable output). Usage: test_job LETTERS.PDF LETTERS.CSV WORK_DIR */
#include <stdlib.h>

#include "check.h"

static char json[4096];

static const char *index_csv;

static const char *describe(const char *job, const char *input, const char *out_dir) {
    snprintf(json, sizeof json,
             "{\"job\":\"%s\",\"inputs\":[\"%s\"],\"split\":{\"rule\":\"index\",\"path\":\"%s\"},"
             "\"out_dir\":\"%s\"}",
             job, input, index_csv, out_dir);
    return json;
}

static const char *job_error(const sheetseal_job *job) {
    static char buf[1024];
    size_t len = 0;
    if (sheetseal_job_error_message(job, buf, sizeof buf, &len) != SHEETSEAL_OK) {
        return "(no message)";
    }
    return buf;
}

struct progress_log {
    size_t calls;
    size_t last_done;
    size_t total;
    size_t cancel_after; /* 0: never cancel */
    int monotonic;
};

static int on_progress(void *user_data, const sheetseal_progress *progress) {
    struct progress_log *log = (struct progress_log *)user_data;
    if (progress->sheets_done != log->last_done + 1) {
        log->monotonic = 0;
    }
    log->calls++;
    log->last_done = progress->sheets_done;
    log->total = progress->sheets_total;
    return log->cancel_after != 0 && progress->sheets_done >= log->cancel_after;
}

static unsigned char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *data = malloc((size_t)size);
    if (data && fread(data, 1, (size_t)size, f) != (size_t)size) {
        free(data);
        data = NULL;
    }
    fclose(f);
    *len = (size_t)size;
    return data;
}

struct sink {
    FILE *file;
    size_t bytes;
    size_t calls;
    int refuse; /* nonzero: refuse every call */
};

static int on_output(void *user_data, size_t file_index, const uint8_t *data, size_t len) {
    struct sink *sink = (struct sink *)user_data;
    sink->calls++;
    if (file_index != 0 || sink->refuse) {
        return 1;
    }
    sink->bytes += len;
    return fwrite(data, 1, len, sink->file) == len ? 0 : 1;
}

static int file_exists(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f) {
        fclose(f);
    }
    return f != NULL;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: test_job LETTERS.PDF LETTERS.CSV WORK_DIR\n");
        return 2;
    }
    const char *pdf = argv[1];
    index_csv = argv[2];
    const char *work = argv[3];
    char out_dir[1024], path[1200];

    /* A job from a file: 20 letters split by their index. */
    snprintf(out_dir, sizeof out_dir, "%s/ok", work);
    const char *text = describe("CJOB1", pdf, out_dir);
    sheetseal_job *job = NULL;
    CHECK_STATUS(sheetseal_job_new(text, strlen(text), &job), SHEETSEAL_OK);
    if (!job) {
        fprintf(stderr, "no job: %s\n", last_error());
        return 1;
    }
    size_t items = 0, sheets = 0;
    CHECK_STATUS(sheetseal_job_counts(job, &items, &sheets), SHEETSEAL_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(sheetseal_job_run(job), SHEETSEAL_OK);
    CHECK_STATUS(sheetseal_job_counts(job, &items, &sheets), SHEETSEAL_OK);
    CHECK(items == 20);
    CHECK(sheets >= 20);
    size_t warnings = 99;
    CHECK_STATUS(sheetseal_job_warning_count(job, &warnings), SHEETSEAL_OK);
    CHECK(warnings < 99);
    char buf[256];
    size_t len = 0;
    CHECK_STATUS(sheetseal_job_warning(job, warnings, buf, sizeof buf, &len), SHEETSEAL_ERR_INVALID_ARGUMENT);
    CHECK(strcmp(job_error(job), "") == 0);
    snprintf(path, sizeof path, "%s/CJOB1.pdf", out_dir);
    CHECK(file_exists(path));
    snprintf(path, sizeof path, "%s/manifest.json", out_dir);
    CHECK(file_exists(path));
    sheetseal_job_free(job);

    /* The same job from memory, with a progress callback that sees every press sheet. The path
     * in the description only names the input. */
    size_t pdf_len = 0;
    unsigned char *pdf_bytes = read_file(pdf, &pdf_len);
    CHECK(pdf_bytes != NULL);
    snprintf(out_dir, sizeof out_dir, "%s/memory", work);
    text = describe("CJOB4", "in-memory/letters.pdf", out_dir);
    job = NULL;
    CHECK_STATUS(sheetseal_job_new(text, strlen(text), &job), SHEETSEAL_OK);
    CHECK_STATUS(sheetseal_job_set_input_buffer(job, 1, pdf_bytes, pdf_len), SHEETSEAL_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(sheetseal_job_set_input_buffer(job, 0, NULL, pdf_len), SHEETSEAL_ERR_NULL_ARGUMENT);
    CHECK_STATUS(sheetseal_job_set_input_buffer(job, 0, pdf_bytes, pdf_len), SHEETSEAL_OK);
    struct progress_log log = {0, 0, 0, 0, 1};
    CHECK_STATUS(sheetseal_job_set_progress(job, on_progress, &log), SHEETSEAL_OK);
    CHECK_STATUS(sheetseal_job_run(job), SHEETSEAL_OK);
    CHECK(log.calls == log.total);
    CHECK(log.last_done == log.total);
    CHECK(log.monotonic);
    size_t memory_items = 0, memory_sheets = 0;
    CHECK_STATUS(sheetseal_job_counts(job, &memory_items, &memory_sheets), SHEETSEAL_OK);
    CHECK(memory_items == items);
    snprintf(path, sizeof path, "%s/CJOB4.pdf", out_dir);
    CHECK(file_exists(path));
    sheetseal_job_free(job);

    /* Cancelling from the callback: the run stops after the third press sheet and leaves no
     * finished job behind. */
    snprintf(out_dir, sizeof out_dir, "%s/cancelled", work);
    text = describe("CJOB5", "in-memory/letters.pdf", out_dir);
    job = NULL;
    CHECK_STATUS(sheetseal_job_new(text, strlen(text), &job), SHEETSEAL_OK);
    CHECK_STATUS(sheetseal_job_set_input_buffer(job, 0, pdf_bytes, pdf_len), SHEETSEAL_OK);
    struct progress_log stop = {0, 0, 0, 3, 1};
    CHECK_STATUS(sheetseal_job_set_progress(job, on_progress, &stop), SHEETSEAL_OK);
    CHECK_STATUS(sheetseal_job_run(job), SHEETSEAL_ERR_CANCELLED);
    CHECK(stop.calls == 3);
    CHECK(strstr(job_error(job), "cancelled") != NULL);
    snprintf(path, sizeof path, "%s/CJOB5.pdf", out_dir);
    CHECK(!file_exists(path));
    snprintf(path, sizeof path, "%s/manifest.json", out_dir);
    CHECK(!file_exists(path));
    sheetseal_job_free(job);

    /* Output to a write callback: the PDF bytes reach the caller, no PDF file is written, and the
     * manifest still is. */
    snprintf(out_dir, sizeof out_dir, "%s/callback", work);
    text = describe("CJOB9", "in-memory/letters.pdf", out_dir);
    job = NULL;
    CHECK_STATUS(sheetseal_job_new(text, strlen(text), &job), SHEETSEAL_OK);
    CHECK_STATUS(sheetseal_job_set_input_buffer(job, 0, pdf_bytes, pdf_len), SHEETSEAL_OK);
    snprintf(path, sizeof path, "%s/callback.pdf", work);
    struct sink sink = {fopen(path, "wb"), 0, 0, 0};
    CHECK(sink.file != NULL);
    CHECK_STATUS(sheetseal_job_set_output_callback(job, on_output, &sink), SHEETSEAL_OK);
    CHECK_STATUS(sheetseal_job_run(job), SHEETSEAL_OK);
    fclose(sink.file);
    CHECK(sink.bytes > 1000);
    size_t written_len = 0;
    unsigned char *written = read_file(path, &written_len);
    CHECK(written != NULL && written_len == sink.bytes && memcmp(written, "%PDF-", 5) == 0);
    free(written);
    snprintf(path, sizeof path, "%s/CJOB9.pdf", out_dir);
    CHECK(!file_exists(path));
    snprintf(path, sizeof path, "%s/manifest.json", out_dir);
    CHECK(file_exists(path));
    /* A callback that refuses (a small job reaches it in one call): an output error. */
    snprintf(path, sizeof path, "%s/refused.pdf", work);
    struct sink refusing = {fopen(path, "wb"), 0, 0, 1};
    CHECK_STATUS(sheetseal_job_set_output_callback(job, on_output, &refusing), SHEETSEAL_OK);
    CHECK_STATUS(sheetseal_job_run(job), SHEETSEAL_ERR_OUTPUT);
    CHECK(strstr(job_error(job), "output callback") != NULL);
    fclose(refusing.file);
    sheetseal_job_free(job);

    /* A bad PDF in memory. */
    snprintf(out_dir, sizeof out_dir, "%s/bad-memory", work);
    text = describe("CJOB6", "in-memory/broken.pdf", out_dir);
    job = NULL;
    CHECK_STATUS(sheetseal_job_new(text, strlen(text), &job), SHEETSEAL_OK);
    CHECK_STATUS(sheetseal_job_set_input_buffer(job, 0, pdf_bytes, pdf_len / 3), SHEETSEAL_OK);
    CHECK_STATUS(sheetseal_job_run(job), SHEETSEAL_ERR_INGEST);
    CHECK(strstr(job_error(job), "broken.pdf") != NULL);
    sheetseal_job_free(job);
    free(pdf_bytes);

    /* The same description from a file, and a description file that does not exist. */
    snprintf(path, sizeof path, "%s/job.json", work);
    snprintf(out_dir, sizeof out_dir, "%s/from-file", work);
    text = describe("CJOB8", pdf, out_dir);
    FILE *jf = fopen(path, "wb");
    CHECK(jf != NULL);
    if (jf) {
        fputs(text, jf);
        fclose(jf);
    }
    job = NULL;
    CHECK_STATUS(sheetseal_job_new_from_file(path, strlen(path), &job), SHEETSEAL_OK);
    CHECK_STATUS(sheetseal_job_run(job), SHEETSEAL_OK);
    snprintf(path, sizeof path, "%s/CJOB8.pdf", out_dir);
    CHECK(file_exists(path));
    sheetseal_job_free(job);
    snprintf(path, sizeof path, "%s/missing.json", work);
    job = NULL;
    CHECK_STATUS(sheetseal_job_new_from_file(path, strlen(path), &job), SHEETSEAL_ERR_CONFIG);
    CHECK(job == NULL);
    CHECK(strstr(last_error(), "missing.json") != NULL);

    /* A bad PDF: the run fails with an ingest error and a message naming the file. */
    snprintf(path, sizeof path, "%s/not-a.pdf", work);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f) {
        fputs("this is not a PDF\n", f);
        fclose(f);
    }
    snprintf(out_dir, sizeof out_dir, "%s/bad", work);
    text = describe("CJOB2", path, out_dir);
    job = NULL;
    CHECK_STATUS(sheetseal_job_new(text, strlen(text), &job), SHEETSEAL_OK);
    CHECK_STATUS(sheetseal_job_run(job), SHEETSEAL_ERR_INGEST);
    CHECK(strstr(job_error(job), "not-a.pdf") != NULL);
    CHECK_STATUS(sheetseal_job_counts(job, &items, &sheets), SHEETSEAL_ERR_INVALID_ARGUMENT);
    sheetseal_job_free(job);

    /* An unwritable output: the output folder is a file. */
    snprintf(out_dir, sizeof out_dir, "%s/not-a.pdf/out", work);
    text = describe("CJOB3", pdf, out_dir);
    job = NULL;
    CHECK_STATUS(sheetseal_job_new(text, strlen(text), &job), SHEETSEAL_OK);
    CHECK_STATUS(sheetseal_job_run(job), SHEETSEAL_ERR_OUTPUT);
    CHECK(strstr(job_error(job), "not-a.pdf/out") != NULL);
    sheetseal_job_free(job);

    /* A job description the run refuses (an invalid job id). */
    snprintf(out_dir, sizeof out_dir, "%s/refused", work);
    text = describe("bad id with spaces", pdf, out_dir);
    job = NULL;
    CHECK_STATUS(sheetseal_job_new(text, strlen(text), &job), SHEETSEAL_OK);
    CHECK_STATUS(sheetseal_job_run(job), SHEETSEAL_ERR_CONFIG);
    sheetseal_job_free(job);

    return check_exit("test_job");
}
