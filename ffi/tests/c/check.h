/* A minimal check harness for the C tests: CHECK records a failure and goes on; main returns
 * check_exit() so that the test script sees a non-zero status when any check failed. */
#ifndef SHEETSEAL_TEST_CHECK_H
#define SHEETSEAL_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sheetseal.h"

static int check_failures = 0;

#define CHECK(cond)                                                                     \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);    \
            check_failures++;                                                           \
        }                                                                               \
    } while (0)

#define CHECK_STATUS(call, expected)                                                    \
    do {                                                                                \
        sheetseal_status check_got_ = (call);                                           \
        if (check_got_ != (expected)) {                                                 \
            fprintf(stderr, "%s:%d: %s returned %u (%s), expected %u\n", __FILE__,      \
                    __LINE__, #call, (unsigned)check_got_,                              \
                    sheetseal_status_name(check_got_), (unsigned)(expected));           \
            check_failures++;                                                           \
        }                                                                               \
    } while (0)

/* The thread's last error message, in a static buffer. */
static const char *last_error(void) {
    static char buf[1024];
    size_t len = 0;
    if (sheetseal_last_error_message(buf, sizeof buf, &len) != SHEETSEAL_OK) {
        return "(message too long)";
    }
    return buf;
}

/* Writes `header` then `len` bytes of `data` to `path` (PGM, PBM, text); 1 on success. */
static inline int write_file(const char *path, const char *header, const unsigned char *data, size_t len) {
    FILE *f = fopen(path, "wb");
    if (!f) {
        return 0;
    }
    fputs(header, f);
    size_t written = fwrite(data, 1, len, f);
    fclose(f);
    return written == len;
}

/* Writes a width x height 8-bit raster, rows without padding, as DIR/mark.pgm. */
static inline int write_mark_pgm(const char *dir, const unsigned char *gray, size_t width, size_t height) {
    char path[1024], header[64];
    snprintf(path, sizeof path, "%s/mark.pgm", dir);
    snprintf(header, sizeof header, "P5\n%zu %zu\n255\n", width, height);
    return write_file(path, header, gray, width * height);
}

/* Renders `symbol` 1-bit into a width x height raster in PBM's own layout (rows of whole bytes,
 * most significant bit first, 1 dark) and writes it as DIR/mark.pbm. */
static inline void render_mark_pbm(const sheetseal_symbol *symbol, const char *dir, size_t width, size_t height,
                                   sheetseal_render_options options) {
    const size_t stride = (width + 7) / 8;
    unsigned char *mono = calloc(stride * height, 1);
    sheetseal_raster raster = {mono, stride * height, width, height, stride, SHEETSEAL_RASTER_MONO1};
    CHECK_STATUS(sheetseal_symbol_render(symbol, &raster, &options), SHEETSEAL_OK);
    char path[1024], header[64];
    snprintf(path, sizeof path, "%s/mark.pbm", dir);
    snprintf(header, sizeof header, "P4\n%zu %zu\n", width, height);
    CHECK(write_file(path, header, mono, stride * height));
    free(mono);
}

static int check_exit(const char *name) {
    if (check_failures) {
        fprintf(stderr, "%s: %d check(s) failed\n", name, check_failures);
        return 1;
    }
    return 0;
}

#endif
