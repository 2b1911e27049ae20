/* Payload templates at the mark level: presets and written-out templates rendered for a sheet
 * (checked against the examples of docs/payload.md), index columns, a keyed template, the error
 * paths, and a template payload encoded and rendered into 8-bit and 1-bit rasters (decoded
 * afterwards by zxing-cpp and dmtxread). Usage: test_template OUT_DIR. */
#include <stdlib.h>

#include "check.h"

/* Renders `facts` with the template; returns the status, the payload in `out`. */
static sheetseal_status render(const sheetseal_template *t, const sheetseal_sheet_facts *facts, char *out,
                               size_t out_size) {
    size_t len = 0;
    sheetseal_status st = sheetseal_template_render(t, facts, out, out_size, &len);
    if (st == SHEETSEAL_OK) {
        CHECK(len == strlen(out));
    }
    return st;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: test_template OUT_DIR\n");
        return 2;
    }
    /* The example sheet of docs/payload.md: job DEMO, piece 42 = item L0000042, sheet 1 of 3,
     * the 117th sheet of the job, feeders 1;2. */
    sheetseal_column columns[] = {{"feeders", 7, "1;2", 3}, {"divert", 6, "", 0}};
    sheetseal_sheet_facts facts = {"DEMO", 4, 42, "L0000042", 8, 1, 3, 117, columns, 2};
    char payload[128];

    sheetseal_template *relay = NULL;
    CHECK_STATUS(sheetseal_template_new_preset("relay18", 7, NULL, 0, &relay), SHEETSEAL_OK);
    CHECK_STATUS(render(relay, &facts, payload, sizeof payload), SHEETSEAL_OK);
    CHECK(strcmp(payload, "000000L00000420103") == 0);

    sheetseal_template *instruction = NULL;
    CHECK_STATUS(sheetseal_template_new_preset("instruction", 11, NULL, 0, &instruction), SHEETSEAL_OK);
    CHECK_STATUS(render(instruction, &facts, payload, sizeof payload), SHEETSEAL_OK);
    CHECK(strcmp(payload, "000042010305030A") == 0);
    sheetseal_template_free(instruction);

    const char *spec = "{job}/{col(branch):3,upper}/{seq:5}{check(mod10)}";
    sheetseal_template *custom = NULL;
    CHECK_STATUS(sheetseal_template_new(spec, strlen(spec), NULL, 0, &custom), SHEETSEAL_OK);
    /* A column the template reads is missing: the message names the field. */
    CHECK_STATUS(render(custom, &facts, payload, sizeof payload), SHEETSEAL_ERR_MARK);
    CHECK(strstr(last_error(), "branch") != NULL);
    sheetseal_column branch[] = {{"branch", 6, "nw", 2}};
    sheetseal_sheet_facts with_branch = facts;
    with_branch.columns = branch;
    with_branch.columns_len = 1;
    CHECK_STATUS(render(custom, &with_branch, payload, sizeof payload), SHEETSEAL_OK);
    CHECK(strncmp(payload, "DEMO/0NW/00117", 14) == 0 && strlen(payload) == 15);
    /* Too small a buffer: the length needed comes back, nothing is written. */
    char tiny[8] = "unset";
    size_t needed = 0;
    CHECK_STATUS(sheetseal_template_render(custom, &with_branch, tiny, sizeof tiny, &needed),
                 SHEETSEAL_ERR_BUFFER_TOO_SMALL);
    CHECK(needed == 15 && strcmp(tiny, "unset") == 0);
    sheetseal_template_free(custom);

    /* A keyed template: the tag depends on the key, and a short key is refused. */
    unsigned char key[32];
    memset(key, 0x5a, sizeof key);
    sheetseal_template *keyed = NULL;
    CHECK_STATUS(sheetseal_template_new_preset("default", 7, key, sizeof key, &keyed), SHEETSEAL_OK);
    char keyed_payload[64];
    CHECK_STATUS(render(keyed, &facts, keyed_payload, sizeof keyed_payload), SHEETSEAL_OK);
    CHECK(strncmp(keyed_payload, "DEMO-000042", 11) == 0 && strlen(keyed_payload) > 16);
    sheetseal_template_free(keyed);
    sheetseal_template *refused = NULL;
    CHECK_STATUS(sheetseal_template_new_preset("default", 7, key, 8, &refused), SHEETSEAL_ERR_INVALID_ARGUMENT);
    CHECK(refused == NULL);

    /* Errors: unreadable template, unknown preset, NULLs, bad UTF-8, a value too long. */
    CHECK_STATUS(sheetseal_template_new("{job", 4, NULL, 0, &refused), SHEETSEAL_ERR_MARK);
    CHECK(strstr(last_error(), "character") != NULL);
    CHECK_STATUS(sheetseal_template_new_preset("nosuch", 6, NULL, 0, &refused), SHEETSEAL_ERR_MARK);
    CHECK_STATUS(sheetseal_template_new(NULL, 0, NULL, 0, &refused), SHEETSEAL_ERR_NULL_ARGUMENT);
    CHECK_STATUS(sheetseal_template_new("{job}\xff", 6, NULL, 0, &refused), SHEETSEAL_ERR_INVALID_UTF8);
    CHECK(refused == NULL);
    CHECK_STATUS(sheetseal_template_render(NULL, &facts, payload, sizeof payload, &needed),
                 SHEETSEAL_ERR_NULL_ARGUMENT);
    sheetseal_sheet_facts long_item = facts;
    long_item.item_id = "AN-ITEM-ID-LONGER-THAN-14";
    long_item.item_id_len = strlen(long_item.item_id);
    CHECK_STATUS(render(relay, &long_item, payload, sizeof payload), SHEETSEAL_ERR_MARK);
    sheetseal_sheet_facts null_item = facts;
    null_item.item_id = NULL;
    CHECK_STATUS(render(relay, &null_item, payload, sizeof payload), SHEETSEAL_ERR_NULL_ARGUMENT);

    /* The relay18 payload as a mark in an 8-bit raster at 600 dpi and a 1-bit one at 300 dpi. */
    CHECK_STATUS(render(relay, &facts, payload, sizeof payload), SHEETSEAL_OK);
    sheetseal_template_free(relay);
    char path[1024];
    snprintf(path, sizeof path, "%s/payload.txt", argv[1]);
    CHECK(write_file(path, "", (const unsigned char *)payload, strlen(payload)));
    sheetseal_symbol *symbol = NULL;
    CHECK_STATUS(sheetseal_symbol_new(payload, strlen(payload), &symbol), SHEETSEAL_OK);
    const size_t width = 400, height = 400;
    unsigned char *gray = malloc(width * height);
    memset(gray, 255, width * height);
    sheetseal_raster raster = {gray, width * height, width, height, width, SHEETSEAL_RASTER_GRAY8};
    sheetseal_render_options options = {600.0, 0.42, 40, 40, 2};
    CHECK_STATUS(sheetseal_symbol_render(symbol, &raster, &options), SHEETSEAL_OK);
    CHECK(write_mark_pgm(argv[1], gray, width, height));
    render_mark_pbm(symbol, argv[1], width, height, (sheetseal_render_options){300.0, 0.42, 20, 20, 2});
    sheetseal_symbol_free(symbol);
    free(gray);
    return check_exit("test_template");
}
