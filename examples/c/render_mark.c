/* The smallest mark-level program: builds the payload of one sheet, renders its mark into an
 * 8-bit raster at 600 dpi and writes it as mark.pgm.
 * Build: cc -std=c11 render_mark.c $(pkg-config --cflags --libs sheetseal) */
#include <stdio.h>
#include <string.h>

#include "sheetseal.h"

int main(void) {
    sheetseal_payload_fields fields = {417, 1, 2}; /* item 417, sheet 1 of 2 */
    char payload[64];
    size_t payload_len = 0;
    sheetseal_symbol *symbol = NULL;
    if (sheetseal_payload_build("J2026", 5, &fields, payload, sizeof payload, &payload_len) != SHEETSEAL_OK ||
        sheetseal_symbol_new(payload, payload_len, &symbol) != SHEETSEAL_OK) {
        char message[256];
        size_t len = 0;
        sheetseal_last_error_message(message, sizeof message, &len);
        fprintf(stderr, "%s\n", message);
        return 1;
    }
    static unsigned char pixels[400 * 400];
    memset(pixels, 255, sizeof pixels);
    sheetseal_raster raster = {pixels, sizeof pixels, 400, 400, 400, SHEETSEAL_RASTER_GRAY8};
    sheetseal_render_options options = {600.0, 0.5, 40, 40, 2}; /* dpi, module mm, x, y, quiet */
    sheetseal_status status = sheetseal_symbol_render(symbol, &raster, &options);
    sheetseal_symbol_free(symbol);
    if (status != SHEETSEAL_OK) {
        fprintf(stderr, "render failed: %s\n", sheetseal_status_name(status));
        return 1;
    }
    FILE *f = fopen("mark.pgm", "wb");
    if (!f) {
        return 1;
    }
    fprintf(f, "P5\n400 400\n255\n");
    fwrite(pixels, 1, sizeof pixels, f);
    fclose(f);
    printf("%s -> mark.pgm\n", payload);
    return 0;
}
