/* The mark level: build a payload, encode it, render it into 8-bit and 1-bit rasters written as
 * PGM and PBM (decoded afterwards by zxing-cpp, a decoder we did not write), decode the payload
 * text back into fields, and the error paths. Usage: test_mark OUT_DIR (writes mark.pgm, mark.pbm
 * and payload.txt there). */
#include <stdlib.h>

#include "check.h"

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: test_mark OUT_DIR\n");
        return 2;
    }
    char path[1024];

    /* Build the payload of sheet 2 of 3 of item 417 of job CJOB7. */
    sheetseal_payload_fields fields = {417, 2, 3};
    char payload[64];
    size_t payload_len = 0;
    CHECK_STATUS(sheetseal_payload_build("CJOB7", 5, &fields, payload, sizeof payload, &payload_len), SHEETSEAL_OK);
    CHECK(payload_len == strlen(payload));
    CHECK(strncmp(payload, "CJOB7-", 6) == 0);
    snprintf(path, sizeof path, "%s/payload.txt", argv[1]);
    CHECK(write_file(path, "", (const unsigned char *)payload, payload_len));

    /* Decode it back. */
    char job[16];
    size_t job_len = 0;
    sheetseal_payload_fields back = {0, 0, 0};
    CHECK_STATUS(sheetseal_payload_decode(payload, payload_len, job, sizeof job, &job_len, &back), SHEETSEAL_OK);
    CHECK(strcmp(job, "CJOB7") == 0 && job_len == 5);
    CHECK(back.item_seq == 417 && back.sheet == 2 && back.sheets == 3);

    /* A misread character is caught by the check character; outputs stay untouched. */
    char misread[64];
    memcpy(misread, payload, payload_len + 1);
    misread[payload_len - 3] = misread[payload_len - 3] == '1' ? '2' : '1';
    back.item_seq = 9;
    CHECK_STATUS(sheetseal_payload_decode(misread, payload_len, job, sizeof job, &job_len, &back), SHEETSEAL_ERR_MARK);
    CHECK(back.item_seq == 9);
    CHECK_STATUS(sheetseal_payload_decode("nonsense", 8, job, sizeof job, &job_len, &back), SHEETSEAL_ERR_MARK);
    fields.sheets = 100;
    CHECK_STATUS(sheetseal_payload_build("CJOB7", 5, &fields, payload, sizeof payload, &payload_len), SHEETSEAL_ERR_MARK);
    CHECK_STATUS(sheetseal_payload_build("bad job", 7, &fields, payload, sizeof payload, &payload_len), SHEETSEAL_ERR_MARK);
    char tiny[4];
    fields.sheets = 3;
    CHECK_STATUS(sheetseal_payload_build("CJOB7", 5, &fields, tiny, sizeof tiny, &payload_len),
                 SHEETSEAL_ERR_BUFFER_TOO_SMALL);
    CHECK(payload_len == strlen(payload));

    /* Encode: a square symbol with the finder's solid left column. */
    sheetseal_symbol *symbol = NULL;
    CHECK_STATUS(sheetseal_symbol_new(payload, strlen(payload), &symbol), SHEETSEAL_OK);
    if (!symbol) {
        return check_exit("test_mark");
    }
    size_t rows = 0, columns = 0;
    CHECK_STATUS(sheetseal_symbol_size(symbol, &rows, &columns), SHEETSEAL_OK);
    CHECK(rows == columns && rows >= 10 && rows <= 26);
    unsigned char modules[26 * 26];
    size_t modules_len = 0;
    CHECK_STATUS(sheetseal_symbol_modules(symbol, modules, 3, &modules_len), SHEETSEAL_ERR_BUFFER_TOO_SMALL);
    CHECK(modules_len == rows * columns);
    CHECK_STATUS(sheetseal_symbol_modules(symbol, modules, sizeof modules, &modules_len), SHEETSEAL_OK);
    for (size_t r = 0; r < rows; r++) {
        CHECK(modules[r * columns] == 1);
    }

    /* Render at 600 dpi, 0.5 mm modules (12 pixels), 2-module quiet zone, at (30, 20) in a raster
     * with padded rows. */
    const size_t width = 500, height = 400, stride = 512;
    unsigned char *gray = malloc(stride * height);
    memset(gray, 128, stride * height);
    sheetseal_raster raster = {gray, stride * height, width, height, stride, SHEETSEAL_RASTER_GRAY8};
    sheetseal_render_options options = {600.0, 0.5, 30, 20, 2};
    CHECK_STATUS(sheetseal_symbol_render(symbol, &raster, &options), SHEETSEAL_OK);
    CHECK(gray[0] == 128);                                      /* outside: untouched */
    CHECK(gray[20 * stride + 30] == 255);                       /* quiet zone */
    CHECK(gray[(20 + 24) * stride + 30 + 24] == 0);             /* top-left module: finder */
    CHECK(gray[(20 + 24 + 11) * stride + 30 + 24 + 11] == 0);   /* still the same module */
    /* Write the raster (without the padding) as PGM: fill the background white first. */
    unsigned char *pgm = malloc(width * height);
    for (size_t y = 0; y < height; y++) {
        for (size_t x = 0; x < width; x++) {
            unsigned char v = gray[y * stride + x];
            pgm[y * width + x] = v == 128 ? 255 : v;
        }
    }
    CHECK(write_mark_pgm(argv[1], pgm, width, height));

    /* The same mark 1-bit at 300 dpi (6-pixel modules): PBM's own layout. */
    render_mark_pbm(symbol, argv[1], width, height, (sheetseal_render_options){300.0, 0.5, 13, 7, 2});

    /* Render errors leave the raster alone. */
    unsigned char before = gray[(20 + 24) * stride + 30 + 24];
    sheetseal_render_options outside = {600.0, 0.5, 450, 20, 2};
    CHECK_STATUS(sheetseal_symbol_render(symbol, &raster, &outside), SHEETSEAL_ERR_INVALID_ARGUMENT);
    CHECK(strstr(last_error(), "does not fit") != NULL);
    sheetseal_raster short_buffer = raster;
    short_buffer.len = stride * height - 1;
    CHECK_STATUS(sheetseal_symbol_render(symbol, &short_buffer, &options), SHEETSEAL_ERR_INVALID_ARGUMENT);
    sheetseal_raster bad_format = raster;
    bad_format.format = 9;
    CHECK_STATUS(sheetseal_symbol_render(symbol, &bad_format, &options), SHEETSEAL_ERR_INVALID_ARGUMENT);
    sheetseal_render_options no_size = {0.0, 0.5, 0, 0, 2};
    CHECK_STATUS(sheetseal_symbol_render(symbol, &raster, &no_size), SHEETSEAL_ERR_INVALID_ARGUMENT);
    sheetseal_raster null_data = raster;
    null_data.data = NULL;
    CHECK_STATUS(sheetseal_symbol_render(symbol, &null_data, &options), SHEETSEAL_ERR_NULL_ARGUMENT);
    CHECK_STATUS(sheetseal_symbol_render(NULL, &raster, &options), SHEETSEAL_ERR_NULL_ARGUMENT);
    CHECK(gray[(20 + 24) * stride + 30 + 24] == before);

    sheetseal_symbol_free(symbol);
    free(gray);
    free(pgm);
    return check_exit("test_mark");
}
