//! Images for models that see them: one file from the workspace, checked
//! to be a PNG, JPEG, GIF or WebP, fitted to the provider's limits and
//! handed back as a [`ToolImage`] on the call's output ([`attach`]).
//!
//! Invariant: an image [`fit`] returns is within the [`ImageLimits`] it was
//! given — both edges and the encoded size — and in one of the four formats
//! every provider takes. A file that already fits goes unchanged; any other
//! is decoded, scaled down with its aspect ratio kept, and re-encoded (PNG
//! when it has an alpha channel, else JPEG at quality 85), smaller again
//! until the bytes fit. Decoding is bounded (file size, pixel edges,
//! memory), so a hostile file is an error, never an exhausted machine.
//!
//! Paths are confined to the workspace, symlinks resolved. `read_file`
//! reads wherever the sandbox lets commands read; an image is bytes that a
//! person reviewing the session sees only as a placeholder line, so these
//! tools keep to what they promise: images from the workspace. Every
//! failure is [`ToolError::RespondToModel`]; nothing here writes.

use std::io::{Cursor, ErrorKind, Read};
use std::path::{Path, PathBuf};

use base64::Engine;
use image::imageops::FilterType;
use image::{DynamicImage, GenericImageView, ImageFormat, ImageReader};
use jig_protocol::{ToolImage, ToolStatus};

use crate::{ToolEffect, ToolError, ToolResult};

/// How large an image one provider takes, for [`fit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageLimits {
    /// Most pixels along the longer edge.
    pub max_long_edge: u32,
    /// Most pixels along the shorter edge.
    pub max_short_edge: u32,
    /// Most bytes of the encoded image (before base64).
    pub max_bytes: usize,
}

/// 3.75 MB of bytes is 5 MB of base64, Anthropic's cap per image; one
/// bound for every provider also keeps rollouts (which store the bytes) small.
const MAX_IMAGE_BYTES: usize = 3_750_000;

impl ImageLimits {
    /// Anthropic Messages: a long edge over 1568 px is scaled down by the
    /// API anyway (latency, no detail gained); at most 5 MB per image.
    pub const ANTHROPIC: ImageLimits = ImageLimits {
        max_long_edge: 1568,
        max_short_edge: 1568,
        max_bytes: MAX_IMAGE_BYTES,
    };
    /// OpenAI Responses at high detail: the API fits an image into
    /// 2048×2048 and then scales its short side to 768, so anything larger
    /// is bytes sent for nothing.
    pub const OPENAI: ImageLimits = ImageLimits {
        max_long_edge: 2048,
        max_short_edge: 768,
        max_bytes: MAX_IMAGE_BYTES,
    };
    /// Chat Completions servers (Ollama, vLLM, llama.cpp): OpenAI's limits,
    /// which their vision models take comfortably.
    pub const CHAT: ImageLimits = ImageLimits::OPENAI;
}

/// Whether the session's model takes image input, and how large.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ImageInput {
    /// A text-only model: image tools say so and send no bytes.
    #[default]
    TextOnly,
    /// The model sees images within these limits.
    Accepted(ImageLimits),
}

/// Largest file read at all; bigger ones are refused before reading.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// Longest edge, in pixels, of an image that is decoded at all.
const MAX_DECODE_EDGE: u32 = 20_000;
/// Most memory one decode may take.
const MAX_DECODE_ALLOC: u64 = 512 * 1024 * 1024;
/// Rounds of "a quarter smaller" before an image that will not fit the
/// byte limit is given up on.
const SHRINK_ROUNDS: usize = 8;

/// What the model is told when it asks a text-only model to see an image.
pub const TEXT_ONLY: &str = "the current model does not take image input, so no image was sent; \
work from text instead (ask the user to describe the image, or inspect the file with a command)";

/// Extensions of the formats [`fit`] takes, for tools that tell an image
/// from text by its name (Claude Code's `Read`).
pub fn is_image_path(path: &str) -> bool {
    let Some((_, ext)) = path.rsplit_once('.') else {
        return false;
    };
    ["png", "jpg", "jpeg", "gif", "webp"]
        .iter()
        .any(|known| ext.eq_ignore_ascii_case(known))
}

/// An image fitted to a provider's limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fitted {
    /// The image to send.
    pub image: ToolImage,
    /// Its size in the file, before any resizing.
    pub original: (u32, u32),
}

/// Reads `shown` (relative to `cwd`, or absolute inside it) and returns
/// the tool result that attaches it: a one-line text (what renderers show
/// in place of the image) and the image as a [`ToolEffect::Images`]. The
/// file work runs off the async threads.
pub async fn attach(cwd: &Path, shown: &str, limits: ImageLimits) -> Result<ToolResult, ToolError> {
    let (cwd, shown) = (cwd.to_path_buf(), shown.to_string());
    crate::blocking("view_image", move || attach_now(&cwd, &shown, limits)).await
}

fn attach_now(cwd: &Path, shown: &str, limits: ImageLimits) -> Result<ToolResult, ToolError> {
    let path = workspace_file(cwd, shown)?;
    let bytes = read_bounded(&path, shown)?;
    let fitted = fit(&bytes, shown, limits)?;
    Ok(ToolResult {
        output: describe(shown, &fitted),
        status: ToolStatus::Ok,
        effect: Some(ToolEffect::Images(vec![fitted.image])),
    })
}

/// The text that stands for an attached image.
fn describe(shown: &str, fitted: &Fitted) -> String {
    let image = &fitted.image;
    let kind = image.media_type.trim_start_matches("image/").to_ascii_uppercase();
    let (width, height) = fitted.original;
    let resized = if (width, height) == (image.width, image.height) {
        String::new()
    } else {
        format!(", scaled down from {width}x{height} to fit the model's limits")
    };
    format!("[image {shown}: {}x{} {kind}{resized}]", image.width, image.height)
}

/// The real path of `shown`, which must be a file inside the workspace.
pub fn workspace_file(cwd: &Path, shown: &str) -> Result<PathBuf, ToolError> {
    let respond = |why: String| ToolError::RespondToModel(format!("cannot view {shown}: {why}"));
    let real = cwd.join(shown).canonicalize().map_err(|err| match err.kind() {
        ErrorKind::NotFound => respond("no such file; check the path (relative to the workspace root)".to_string()),
        _ => respond(err.to_string()),
    })?;
    let root = cwd.canonicalize().unwrap_or_else(|_| cwd.to_path_buf());
    if !real.starts_with(&root) {
        return Err(respond(format!(
            "it is outside the workspace ({}); only images inside the workspace can be viewed",
            root.display()
        )));
    }
    if real.is_dir() {
        return Err(respond("it is a directory, not an image file".to_string()));
    }
    Ok(real)
}

/// The file's bytes; a file over [`MAX_FILE_BYTES`] is refused unread.
fn read_bounded(path: &Path, shown: &str) -> Result<Vec<u8>, ToolError> {
    let io_err = |err: std::io::Error| ToolError::RespondToModel(format!("cannot view {shown}: {err}"));
    let file = std::fs::File::open(path).map_err(io_err)?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(io_err)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ToolError::RespondToModel(format!(
            "cannot view {shown}: the file is larger than {} MiB, too large for an image the model can be sent; \
             make a smaller copy (e.g. a crop or a screenshot of the part that matters) and view that",
            MAX_FILE_BYTES / (1024 * 1024)
        )));
    }
    Ok(bytes)
}

/// Fits the encoded image `bytes` (named `shown` in errors) into `limits`.
pub fn fit(bytes: &[u8], shown: &str, limits: ImageLimits) -> Result<Fitted, ToolError> {
    let respond = |why: String| ToolError::RespondToModel(format!("cannot view {shown}: {why}"));
    let format =
        image::guess_format(bytes).map_err(|_| respond("it is not a PNG, JPEG, GIF or WebP image".to_string()))?;
    let media_type = match format {
        ImageFormat::Png => "image/png",
        ImageFormat::Jpeg => "image/jpeg",
        ImageFormat::Gif => "image/gif",
        ImageFormat::WebP => "image/webp",
        other => {
            return Err(respond(format!(
                "{} images are not supported; convert it to PNG or JPEG first",
                other
                    .extensions_str()
                    .first()
                    .copied()
                    .unwrap_or("these")
                    .to_ascii_uppercase()
            )));
        }
    };
    let decoded = decode(bytes, format).map_err(|err| respond(format!("the image cannot be decoded: {err}")))?;
    let original = decoded.dimensions();
    let (mut width, mut height) = target_size(original, limits);
    if (width, height) == original && bytes.len() <= limits.max_bytes {
        return Ok(Fitted {
            image: tool_image(media_type, bytes, original),
            original,
        });
    }
    for _ in 0..SHRINK_ROUNDS {
        let resized = if (width, height) == original {
            decoded.clone()
        } else {
            decoded.resize_exact(width, height, FilterType::Triangle)
        };
        let (encoded, media_type) = encode(&resized).map_err(|err| respond(format!("re-encoding failed: {err}")))?;
        if encoded.len() <= limits.max_bytes {
            return Ok(Fitted {
                image: tool_image(media_type, &encoded, (width, height)),
                original,
            });
        }
        width = (width / 4 * 3).max(1);
        height = (height / 4 * 3).max(1);
    }
    Err(respond(format!(
        "even scaled down it stays over {} bytes; make a smaller copy and view that",
        limits.max_bytes
    )))
}

fn decode(bytes: &[u8], format: ImageFormat) -> Result<DynamicImage, image::ImageError> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut bounds = image::Limits::default();
    bounds.max_image_width = Some(MAX_DECODE_EDGE);
    bounds.max_image_height = Some(MAX_DECODE_EDGE);
    bounds.max_alloc = Some(MAX_DECODE_ALLOC);
    reader.limits(bounds);
    reader.decode()
}

/// The largest size within `limits` with the aspect ratio of `size`; the
/// size itself when it fits. Rounded down, so never over a limit.
pub fn target_size(size: (u32, u32), limits: ImageLimits) -> (u32, u32) {
    let (width, height) = size;
    let (long, short) = (u64::from(width.max(height).max(1)), u64::from(width.min(height).max(1)));
    let (max_long, max_short) = (u64::from(limits.max_long_edge), u64::from(limits.max_short_edge));
    // The scale is the smaller of max_long/long and max_short/short, kept
    // as a fraction so the edge that binds lands on its limit exactly.
    let (num, den) = if max_long * short <= max_short * long {
        (max_long, long)
    } else {
        (max_short, short)
    };
    if num >= den {
        return size;
    }
    let scaled = |edge: u32| u32::try_from(u64::from(edge) * num / den).unwrap_or(edge).max(1);
    (scaled(width), scaled(height))
}

/// PNG for an image with an alpha channel (JPEG would lose it), else JPEG.
fn encode(image: &DynamicImage) -> Result<(Vec<u8>, &'static str), image::ImageError> {
    let mut out = Vec::new();
    if image.color().has_alpha() {
        image.write_to(&mut Cursor::new(&mut out), ImageFormat::Png)?;
        return Ok((out, "image/png"));
    }
    let rgb = DynamicImage::ImageRgb8(image.to_rgb8());
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85);
    rgb.write_with_encoder(encoder)?;
    Ok((out, "image/jpeg"))
}

fn tool_image(media_type: &str, bytes: &[u8], (width, height): (u32, u32)) -> ToolImage {
    ToolImage {
        media_type: media_type.to_string(),
        data: base64::engine::general_purpose::STANDARD.encode(bytes),
        width,
        height,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = DynamicImage::ImageRgb8(image::RgbImage::from_pixel(width, height, image::Rgb([200, 30, 30])));
        let mut out = Vec::new();
        image
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap_or_else(|e| panic!("{e}"));
        out
    }

    #[test]
    fn target_size_keeps_the_aspect_ratio_and_never_exceeds_a_limit() {
        assert_eq!(target_size((800, 600), ImageLimits::ANTHROPIC), (800, 600));
        assert_eq!(target_size((4000, 3000), ImageLimits::ANTHROPIC), (1568, 1176));
        assert_eq!(target_size((4000, 3000), ImageLimits::OPENAI), (1024, 768));
        assert_eq!(target_size((3000, 4000), ImageLimits::OPENAI), (768, 1024));
        assert_eq!(target_size((100_000, 10), ImageLimits::OPENAI), (2048, 1));
    }

    #[test]
    fn an_image_within_the_limits_is_sent_unchanged() {
        let bytes = png(40, 20);
        let fitted = fit(&bytes, "a.png", ImageLimits::OPENAI).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(fitted.original, (40, 20));
        assert_eq!(fitted.image.media_type, "image/png");
        let sent = base64::engine::general_purpose::STANDARD
            .decode(&fitted.image.data)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(sent, bytes);
    }

    #[test]
    fn an_opaque_image_over_the_limits_becomes_a_smaller_jpeg() {
        let fitted = fit(&png(3000, 1000), "wide.png", ImageLimits::ANTHROPIC).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((fitted.image.width, fitted.image.height), (1568, 522));
        assert_eq!(fitted.image.media_type, "image/jpeg");
        assert_eq!(fitted.original, (3000, 1000));
    }

    #[test]
    fn text_and_other_formats_are_refused_with_a_reason() {
        let err = fit(b"fn main() {}\n", "main.rs", ImageLimits::OPENAI).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot view main.rs: it is not a PNG, JPEG, GIF or WebP image"
        );
        let bmp = [b"BM".as_slice(), &[0u8; 60]].concat();
        let err = fit(&bmp, "old.bmp", ImageLimits::OPENAI).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot view old.bmp: BMP images are not supported; convert it to PNG or JPEG first"
        );
    }

    #[test]
    fn image_paths_are_told_by_extension() {
        assert!(is_image_path("shots/Login.PNG"));
        assert!(is_image_path("a.webp"));
        assert!(!is_image_path("src/main.rs"));
        assert!(!is_image_path("Makefile"));
    }
}
