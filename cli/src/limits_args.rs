//! `impose` options for the limits on untrusted input (sheetseal_core::limits).

use clap::Args;
use sheetseal_core::limits::{parse_size, Limits};

#[derive(Args)]
#[command(next_help_heading = "Limits for untrusted input")]
pub struct LimitsArgs {
    /// Most bytes one stream may decompress to (bytes, or with KiB, MiB, GiB).
    #[arg(long, value_parser = parse_size, value_name = "SIZE", default_value = "64MiB")]
    max_stream_size: u64,
    /// Most bytes the whole job may decompress.
    #[arg(long, value_parser = parse_size, value_name = "SIZE", default_value = "2GiB")]
    max_job_decompressed: u64,
    /// Most objects one input file may hold.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_objects)]
    max_objects: usize,
    /// Deepest page tree accepted.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_page_tree_depth)]
    max_page_tree_depth: usize,
    /// Deepest nesting of forms drawn inside forms.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_form_nesting)]
    max_form_nesting: usize,
    /// Longest chain of references followed from a page's resources.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_reference_depth)]
    max_reference_depth: usize,
    /// Warn in the manifest about images with more pixels than this.
    #[arg(long, value_name = "PIXELS", default_value_t = Limits::default().warn_image_pixels)]
    warn_image_pixels: u64,
    /// Refuse inputs with an image of more pixels than this (default: none refused; images are
    /// never decoded, only their declared size is read).
    #[arg(long, value_name = "PIXELS")]
    max_image_pixels: Option<u64>,
}

impl LimitsArgs {
    pub fn limits(&self) -> Limits {
        Limits {
            max_stream_bytes: self.max_stream_size,
            max_job_decompressed_bytes: self.max_job_decompressed,
            max_objects: self.max_objects,
            max_page_tree_depth: self.max_page_tree_depth,
            max_form_nesting: self.max_form_nesting,
            max_reference_depth: self.max_reference_depth,
            warn_image_pixels: self.warn_image_pixels,
            max_image_pixels: self.max_image_pixels,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Probe {
        #[command(flatten)]
        limits: LimitsArgs,
    }

    #[test]
    fn the_defaults_shown_in_help_are_the_library_defaults() {
        assert_eq!(Probe::parse_from(["probe"]).limits.limits(), Limits::default());
        let set = Probe::parse_from(["probe", "--max-stream-size", "1MiB", "--max-image-pixels", "5"]);
        assert_eq!(set.limits.limits().max_stream_bytes, 1 << 20);
        assert_eq!(set.limits.limits().max_image_pixels, Some(5));
    }
}
