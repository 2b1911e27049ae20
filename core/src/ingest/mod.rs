//! Stage 1, ingest: open an input PDF, check what it is, and describe its pages.
//!
//! The file is memory-mapped and hashed; the object graph is parsed by lopdf (which also repairs
//! damaged cross-reference tables and decrypts files that open with the empty password), within
//! the job's limits (`crate::limits`). The page tree is walked here, not by lopdf, so that cycles
//! and excessive depth are detected and inherited attributes (`/MediaBox`, `/CropBox`, `/Rotate`,
//! `/Resources`) are resolved the way the PDF standard says. What was repaired or decrypted, and
//! the active content the file carries, become warnings and counts for the manifest.

use crate::pdf::Entry as _;
use foldhash::{HashSet, HashSetExt};
use std::fs::File;
use std::path::{Path, PathBuf};

use std::sync::Arc;

use lopdf::{Dictionary, Document, LoadOptions, Object, ObjectId};
use memmap2::{Mmap, UncheckedAdvice};

use crate::active_content::{self, ActiveContent};
use crate::geometry::{Rect, Rotation};
use crate::limits::{self, LimitError, Limits};
use crate::pdf::store::{LazyObjects, ObjectStore, Objects};
use crate::pdf::Bytes;
use crate::warning::Warning;
pub use identity::{changed as changed_input, FileIdentity};
use pdfium_render::prelude::{PdfDocument, Pdfium, PdfiumError};

pub mod annotations;
mod digest;
pub mod encryption;
mod identity;
pub mod leases;
mod on_demand;
pub mod render_guard;
pub mod repair;
pub use annotations::Annotation;
pub use digest::InputDigest;
use on_demand::OnDemand;

/// US Letter, the size PDF readers assume when a page has no usable `/MediaBox`.
const DEFAULT_MEDIA_BOX: Rect = Rect { x0: 0.0, y0: 0.0, x1: 612.0, y1: 792.0 };
/// The largest page side a PDF may declare (ISO 32000 implementation limit is 14,400 units;
/// we accept more, but refuse absurd values that would overflow geometry).
const MAX_PAGE_SIDE_PT: f64 = 1.0e6;

/// Options for opening inputs.
#[derive(Debug, Clone, Default)]
pub struct IngestOptions {
    /// The user password of encrypted inputs.
    pub password: Option<String>,
    /// Limits on what an input may make the reader do.
    pub limits: Limits,
}

/// Why pdfium cannot open an input.
#[derive(Debug, thiserror::Error)]
pub enum PdfiumOpenError {
    /// The file on disk is no longer the one the job read.
    #[error("{0}")]
    Changed(String),
    #[error("{}", crate::pdfium::describe(.0))]
    Pdfium(PdfiumError),
    /// pdfium does not see the pages the job does.
    #[error("pdfium sees {pdfium} pages where the input has {ours}")]
    PageCount { pdfium: usize, ours: usize },
    /// The reader had to repair the file, which pdfium would rebuild its own way.
    #[error("the file was damaged and rebuilt, and pdfium would rebuild it its own way: it could read other pages and objects than the job")]
    Repaired,
}

/// Why an input cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IngestError {
    #[error("cannot read {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path} is empty (0 bytes): the upload is incomplete; ask the customer to send it again")]
    Empty { path: PathBuf },
    #[error(
        "{path} is not a PDF: no '%PDF-' header in its first 1024 bytes; ask the customer for the PDF itself"
    )]
    NotPdf { path: PathBuf },
    #[error("{path} is encrypted with a password to open it: pass --password or --password-file (ask the customer for the password, or for an unencrypted file)")]
    PasswordRequired { path: PathBuf },
    #[error("{path}: the password given opens neither as the user nor as the owner password of this file; check it with the customer")]
    WrongPassword { path: PathBuf },
    #[error("{path} is encrypted with the security handler /{handler}, which sheetseal cannot open (only password encryption is supported); ask the customer for an unencrypted file")]
    UnsupportedEncryption { path: PathBuf, handler: String },
    #[error("{path} cannot be read as a PDF ({detail}) and could not be repaired: {hint}")]
    Unparseable { path: PathBuf, detail: String, hint: String },
    #[error("{path}: {source}")]
    Limit { path: PathBuf, source: LimitError },
    #[error("{path} has no page tree ({detail})")]
    NoPageTree { path: PathBuf, detail: String },
    #[error("{path} has no pages")]
    NoPages { path: PathBuf },
    #[error(
        "{path}: the page tree loops back on itself at object {object} {generation} R; the file is malformed (readers disagree on its pages): ask the customer to export it again"
    )]
    PageTreeCycle { path: PathBuf, object: u32, generation: u16 },
    #[error("{path}, page {page}: {detail}")]
    BadPage { path: PathBuf, page: usize, detail: String },
    #[error("cannot map {path} into memory ({source}): the process may have as many memory maps as the system allows ({limit}, vm.max_map_count) or use all the address space it may (ulimit -v); raise the limit (sysctl -w vm.max_map_count=262144) or give the job fewer files of over 1 MB")]
    OutOfMaps { path: PathBuf, source: std::io::Error, limit: String },
    #[error("{}", identity::changed(.path))]
    Changed { path: PathBuf },
}

/// One page of an input, with its inherited attributes resolved.
#[derive(Debug, Clone)]
pub struct SourcePage {
    /// The page object.
    pub object: ObjectId,
    pub media_box: Rect,
    /// The crop box clipped to the media box: the visible area.
    pub crop_box: Rect,
    /// The trim box (the finished page after cutting) clipped to the crop box; the crop box when
    /// the page has none.
    pub trim_box: Rect,
    /// The bleed box clipped to the media box; the crop box when the page has none.
    pub bleed_box: Rect,
    pub rotation: Rotation,
    /// `/UserUnit` (points per user-space unit); 1 unless the page says otherwise.
    pub user_unit: f64,
    /// The effective `/Resources` (a reference or an inline dictionary), if any.
    pub resources: Option<Object>,
    /// The content streams, in order.
    pub contents: Vec<ObjectId>,
    /// The page's transparency group, if any.
    pub group: Option<Object>,
    /// The page's annotations.
    pub annotations: Vec<Annotation>,
}

/// Which page box is placed on the sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PageBox {
    /// The visible page (`/CropBox`), as viewers show it.
    #[default]
    Crop,
    /// The finished size after cutting (`/TrimBox`).
    Trim,
    /// The whole medium (`/MediaBox`).
    Media,
}

impl std::str::FromStr for PageBox {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "crop" => Ok(PageBox::Crop),
            "trim" => Ok(PageBox::Trim),
            "media" => Ok(PageBox::Media),
            other => Err(format!("unknown page box '{other}': use crop, trim or media")),
        }
    }
}

impl SourcePage {
    /// The rectangle of the given box, in the page's user space.
    pub fn page_box(&self, which: PageBox) -> Rect {
        match which {
            PageBox::Crop => self.crop_box,
            PageBox::Trim => self.trim_box,
            PageBox::Media => self.media_box,
        }
    }

    /// The displayed size in points (after rotation and `/UserUnit`) of the crop box.
    pub fn display_size(&self) -> (f64, f64) {
        self.display_size_of(PageBox::Crop)
    }

    /// The displayed size in points of the given box.
    pub fn display_size_of(&self, which: PageBox) -> (f64, f64) {
        let b = self.page_box(which);
        let (w, h) = (b.width() * self.user_unit, b.height() * self.user_unit);
        if self.rotation.is_quarter_turn() {
            (h, w)
        } else {
            (w, h)
        }
    }
}

/// An opened input PDF.
#[derive(Debug)]
pub struct SourceDocument {
    pub path: PathBuf,
    /// The SHA-256 of the file's bytes, taken beside the job (see [`InputDigest`]).
    pub sha256: InputDigest,
    pub size_bytes: u64,
    /// The objects: read lazily from the mapped file when it is well formed, parsed whole by
    /// lopdf (which repairs and decrypts) when it is not.
    pub doc: ObjectStore,
    pub pages: Vec<SourcePage>,
    pub warnings: Vec<Warning>,
    /// The active content the input carried (none of it is copied to the output).
    pub active_content: ActiveContent,
    /// The limits the input was opened with, which every later decode of it keeps to.
    pub limits: Limits,
    /// Where the input's bytes are.
    origin: Origin,
}

/// Where an opened input's bytes are.
enum Origin {
    /// Mapped from a file on disk; whatever opens it again by its path checks that it is still
    /// this file.
    Mapped { map: Arc<Mmap>, identity: FileIdentity },
    /// A small file ([`SMALL_INPUT_BYTES`]), read whole to be opened and afterwards read again
    /// from the file only when asked for.
    OnDemand(Arc<OnDemand>),
    /// Given in memory.
    Memory(Bytes),
}

impl std::fmt::Debug for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Mapped { identity, .. } => f.debug_tuple("Mapped").field(identity).finish(),
            Origin::OnDemand(file) => f.debug_tuple("OnDemand").field(&file.identity()).finish(),
            Origin::Memory(bytes) => write!(f, "Memory({} bytes)", (**bytes).as_ref().len()),
        }
    }
}

impl Origin {
    /// The bytes, shared.
    fn bytes(&self) -> Bytes {
        match self {
            Origin::Mapped { map, .. } => map.clone(),
            Origin::OnDemand(file) => file.clone(),
            Origin::Memory(bytes) => bytes.clone(),
        }
    }

    /// The mapping, for bytes mapped from a file.
    fn mapped(&self) -> Option<Arc<Mmap>> {
        match self {
            Origin::Mapped { map, .. } => Some(Arc::clone(map)),
            Origin::OnDemand(_) | Origin::Memory(_) => None,
        }
    }

    /// Unmaps mapped bytes from this process (see [`SourceDocument::release_resident_pages`]).
    fn release(&self) {
        match self {
            Origin::Mapped { map, .. } => release(map, 0..map.len()),
            Origin::OnDemand(file) => file.release(),
            Origin::Memory(_) => {}
        }
    }
}

impl SourceDocument {
    /// Opens this input in pdfium, which then reads the same bytes as the job, and checks that
    /// it sees the same pages. An input given in memory is read from those bytes; one read from
    /// disk from its path, opened again and checked to be the same file, unchanged (pdfium
    /// reading through the job's map would keep every page it reads resident).
    pub fn open_in_pdfium<'a>(
        &'a self,
        pdfium: &'a Pdfium,
        password: Option<&str>,
    ) -> Result<PdfDocument<'a>, PdfiumOpenError> {
        self.check_pdfium_may_read()?;
        let document = match &self.origin {
            Origin::Memory(bytes) => pdfium.load_pdf_from_byte_slice((**bytes).as_ref(), password),
            Origin::Mapped { .. } | Origin::OnDemand(_) => {
                let file =
                    File::open(&self.path).map_err(|e| PdfiumOpenError::Pdfium(PdfiumError::IoError(e)))?;
                if FileIdentity::of_file(&file).ok() != self.identity() {
                    return Err(PdfiumOpenError::Changed(identity::changed(&self.path)));
                }
                pdfium.load_pdf_from_reader(file, password)
            }
        }
        .map_err(PdfiumOpenError::Pdfium)?;
        let pages = usize::try_from(document.pages().len()).unwrap_or(0);
        if pages != self.pages.len() {
            return Err(PdfiumOpenError::PageCount { pdfium: pages, ours: self.pages.len() });
        }
        Ok(document)
    }

    /// Unmaps the input's pages from this process: they stay in the kernel's page cache and
    /// come back, with the same bytes, on the next read. Called between stages and while
    /// writing, so that resident memory follows the working set rather than the input's size.
    pub fn release_resident_pages(&self) {
        self.origin.release();
    }

    /// Whether pdfium may be given this input: not a file the reader had to repair. pdfium
    /// rebuilds a damaged file its own way and may read other pages and objects than the job
    /// (forms that draw each other without end among them, found by fuzzing: 20 s and 4.4 GB
    /// for one page), so what it finds there (text that splits letters, ink in a mark's zone)
    /// would not be about the pages the job prints.
    pub fn check_pdfium_may_read(&self) -> Result<(), PdfiumOpenError> {
        if self.was_repaired() {
            return Err(PdfiumOpenError::Repaired);
        }
        Ok(())
    }

    /// Whether the reader had to repair the file (see [`repair::REPAIRED`]).
    pub fn was_repaired(&self) -> bool {
        self.warnings.iter().any(|w| w.code == repair::REPAIRED)
    }

    /// The input's bytes for one reader to hold for as long as it needs them: a small file's
    /// read afresh from it, bytes given in memory shared; `None` for a mapped input, whose map
    /// every reader shares.
    pub(crate) fn bytes_afresh(&self) -> Option<std::io::Result<Bytes>> {
        match &self.origin {
            Origin::OnDemand(file) => Some(file.read_afresh()),
            Origin::Memory(bytes) => Some(Ok(bytes.clone())),
            Origin::Mapped { .. } => None,
        }
    }

    /// The file's bytes as the job read them (a small file's read from it again if they were
    /// not yet).
    #[cfg(test)]
    fn file_bytes(&self) -> &[u8] {
        match &self.origin {
            Origin::Mapped { map, .. } => map,
            Origin::OnDemand(file) => (**file).as_ref(),
            Origin::Memory(bytes) => (**bytes).as_ref(),
        }
    }

    /// Whether the input is small enough that its resident pages do not matter while it is in
    /// use (a job of one small file a letter releases each once it is done with it).
    pub fn is_small(&self) -> bool {
        self.size_bytes <= SMALL_INPUT_BYTES as u64
    }

    /// Whether the path no longer names the file the job read, unchanged (never for an input
    /// given in memory).
    pub fn has_changed(&self) -> bool {
        let Some(identity) = self.identity() else { return false };
        File::open(&self.path).and_then(|file| FileIdentity::of_file(&file)).ok() != Some(identity)
    }

    /// Which file the input was read from; `None` for an input given in memory.
    pub fn identity(&self) -> Option<FileIdentity> {
        match &self.origin {
            Origin::Mapped { identity, .. } => Some(*identity),
            Origin::OnDemand(file) => Some(file.identity()),
            Origin::Memory(_) => None,
        }
    }
}

/// Unmaps the pages of `range` of `map` from this process (see
/// [`SourceDocument::release_resident_pages`]).
fn release(map: &Mmap, range: std::ops::Range<usize>) {
    // SAFETY: the mapping is shared and read-only, and nothing in this process writes through
    // it; after MADV_DONTNEED a shared file mapping is filled again from the file, so every
    // slice borrowed from it keeps reading the same bytes.
    let _ = unsafe { map.unchecked_advise_range(UncheckedAdvice::DontNeed, range.start, range.len()) };
}

/// Inputs up to this size are read into memory at once to be parsed and hashed by the thread
/// that opens them, and read again from their file when something asks for them
/// (`on_demand`; the write stage reads each afresh, `leases`), never mapped for the job: each
/// first touch of a mapping costs page faults, and each release a flush of the other cores'
/// address translations, which for a small input cost more than its pages; and a process has a
/// limited number of maps, fewer than a folder of one file a letter can have files.
const SMALL_INPUT_BYTES: usize = 1 << 20;

/// How many memory maps the system allows a process, where it says.
fn max_map_count() -> Option<usize> {
    std::fs::read_to_string("/proc/sys/vm/max_map_count").ok()?.trim().parse().ok()
}

/// Opens, hashes and parses one input. A small one is read whole, and afterwards read again
/// from its file only when something asks for it (`on_demand`); any other is mapped.
pub fn open(path: &Path, options: &IngestOptions) -> Result<SourceDocument, IngestError> {
    let io_err = |source| IngestError::Io { path: path.to_path_buf(), source };
    let file = File::open(path).map_err(io_err)?;
    let size_bytes = file.metadata().map_err(io_err)?.len();
    if size_bytes == 0 {
        return Err(IngestError::Empty { path: path.to_path_buf() });
    }
    let identity = FileIdentity::of_file(&file).map_err(io_err)?;
    if size_bytes <= SMALL_INPUT_BYTES as u64 {
        let len = size_bytes as usize;
        let bytes = read_whole(&file, len).map_err(io_err)?;
        let origin = Origin::OnDemand(Arc::new(OnDemand::new(path, identity, len)));
        return open_shared(path, origin, Some(bytes), options);
    }
    // SAFETY: the map is read-only; inputs are uploads that nothing else writes while a job
    // runs. A concurrent truncation would raise SIGBUS, which is the documented contract of
    // memory-mapped input.
    let map = Arc::new(unsafe { Mmap::map(&file) }.map_err(|source| map_error(path, source))?);
    open_shared(path, Origin::Mapped { map, identity }, None, options)
}

/// Why `path` could not be mapped, with what to do where the process is out of maps.
fn map_error(path: &Path, source: std::io::Error) -> IngestError {
    if source.kind() != std::io::ErrorKind::OutOfMemory {
        return IngestError::Io { path: path.to_path_buf(), source };
    }
    let limit = max_map_count().map_or_else(|| "the system's limit".to_string(), |n| n.to_string());
    IngestError::OutOfMaps { path: path.to_path_buf(), source, limit }
}

/// The `len` bytes of `file`, read from its start.
fn read_whole(mut file: &File, len: usize) -> std::io::Result<Bytes> {
    use std::io::{Read, Seek};
    let mut bytes = Vec::with_capacity(len);
    file.seek(std::io::SeekFrom::Start(0))?;
    file.take(len as u64 + 1).read_to_end(&mut bytes)?;
    if bytes.len() != len {
        return Err(std::io::Error::other("the file changed while it was read"));
    }
    Ok(Arc::new(bytes))
}

/// Parses an input held in memory (copied, so that the document owns its bytes); `path` names
/// it in errors and the manifest.
pub fn open_bytes(path: &Path, bytes: &[u8], options: &IngestOptions) -> Result<SourceDocument, IngestError> {
    open_shared(path, Origin::Memory(Arc::new(bytes.to_vec())), None, options)
}

/// Opens an input from its bytes: its objects read on every core, then hashed on a thread of
/// its own while its page tree is walked (and the job goes on). Mapped bytes are released from
/// this process as the reader and the hashing go on, so that resident memory does not grow with
/// the input. A small input `read_at_once` is parsed and hashed from those bytes instead, and
/// read from its `origin` only afterwards.
fn open_shared(
    path: &Path,
    origin: Origin,
    read_at_once: Option<Bytes>,
    options: &IngestOptions,
) -> Result<SourceDocument, IngestError> {
    let path_buf = path.to_path_buf();
    let bytes = read_at_once.clone().unwrap_or_else(|| origin.bytes());
    let data: &[u8] = (*bytes).as_ref();
    if data.is_empty() {
        return Err(IngestError::Empty { path: path_buf });
    }
    let head = &data[..data.len().min(1024)];
    if !head.windows(5).any(|w| w == b"%PDF-") {
        return Err(IngestError::NotPdf { path: path_buf });
    }
    // A small input read at once has nothing mapped to release.
    let release = || origin.release();
    let (doc, active_content, mut warnings) = read_objects(path, &bytes, options, &release)?;
    // Begun now rather than beside the reading, which keeps every core busy: it takes the core
    // the walk, split and plan leave idle.
    let sha256 = InputDigest::start(bytes.clone(), origin.mapped());
    let limits = &options.limits;
    limits::check_object_count(doc.object_count(), limits)
        .map_err(|source| IngestError::Limit { path: path_buf.clone(), source })?;
    let pages = walk_page_tree(path, &doc, limits.max_page_tree_depth, &mut warnings)?;
    if needs_appearances(&doc) {
        warnings.push(Warning::new(
            "form-needs-appearances",
            "the form asks viewers to regenerate field appearances (/NeedAppearances); fields are printed as their stored appearance streams, which may not show the latest values",
        ));
    }
    warnings.extend(active_content::warning(&active_content));
    let doc = match read_at_once {
        Some(_) => doc.reading_from(origin.bytes()),
        None => doc,
    };
    let mut source = SourceDocument {
        path: path_buf,
        sha256,
        size_bytes: data.len() as u64,
        doc,
        pages,
        warnings,
        active_content,
        limits: limits.clone(),
        origin,
    };
    if source.is_small() {
        // Parsed again when read (the write stage reads it afresh, `leases`): kept from here,
        // a folder of one file a letter would hold every letter's objects for the whole job.
        source.doc.forget_parsed();
    }
    Ok(source)
}

/// The input's objects, the active content they carry and what the reader had to do: the lazy
/// reader for a well-formed, unencrypted file; lopdf, which repairs and decrypts, for any other.
/// Either way, the bytes read are `release`d by the time it returns.
fn read_objects(
    path: &Path,
    bytes: &Bytes,
    options: &IngestOptions,
    release: &(dyn Fn() + Sync),
) -> Result<(ObjectStore, ActiveContent, Vec<Warning>), IngestError> {
    let limits = &options.limits;
    let lazy = LazyObjects::open(
        bytes.clone(),
        limits.max_objects.saturating_add(1),
        active_content::count_in,
        |mut a, b| {
            a.add(&b);
            a
        },
        ActiveContent::default,
        release,
    );
    if let Ok((objects, mut active_content)) = lazy {
        active_content.total = active_content.sum();
        return Ok((ObjectStore::Lazy(objects), active_content, Vec::new()));
    }
    let data: &[u8] = (**bytes).as_ref();
    let load_options = LoadOptions {
        password: options.password.clone(),
        max_decompressed_size: Some(usize::try_from(limits.max_stream_bytes).unwrap_or(usize::MAX)),
        ..LoadOptions::default()
    };
    let loaded = Document::load_mem_with_options(data, load_options);
    // lopdf read the whole file; its objects are copies.
    release();
    let doc = loaded.map_err(|e| classify_load_error(path, data, limits, e))?;
    if doc.is_encrypted() {
        return Err(encrypted_error(path, &doc, options.password.is_some()));
    }
    limits::check_object_count(doc.objects.len(), limits)
        .map_err(|source| IngestError::Limit { path: path.to_path_buf(), source })?;
    let mut warnings = repair::warnings(&doc);
    warnings.extend(encryption::warning(encryption::protection(&doc, options.password.is_some())));
    let active_content = active_content::inventory(&doc);
    Ok((ObjectStore::Loaded(Box::new(doc)), active_content, warnings))
}

/// Why a document that is still encrypted after loading did not open.
fn encrypted_error(path: &Path, doc: &Document, password_given: bool) -> IngestError {
    let path = path.to_path_buf();
    let handler = doc.get_encrypted().ok().and_then(|d| d.entry(b"Filter")).and_then(|f| f.as_name().ok());
    match handler {
        Some(name) if name != b"Standard" => {
            IngestError::UnsupportedEncryption { path, handler: String::from_utf8_lossy(name).into_owned() }
        }
        _ if password_given => IngestError::WrongPassword { path },
        _ => IngestError::PasswordRequired { path },
    }
}

/// Whether the document's interactive form sets `/NeedAppearances true`.
fn needs_appearances(doc: &dyn Objects) -> bool {
    let form = doc.catalog().ok().and_then(|c| c.entry(b"AcroForm")).and_then(|f| doc.dereference(f).ok());
    form.and_then(|(_, f)| f.as_dict().ok())
        .and_then(|f| f.entry(b"NeedAppearances"))
        .and_then(|v| v.as_bool().ok())
        == Some(true)
}

fn classify_load_error(path: &Path, bytes: &[u8], limits: &Limits, error: lopdf::Error) -> IngestError {
    let path = path.to_path_buf();
    match error {
        lopdf::Error::InvalidPassword => IngestError::WrongPassword { path },
        lopdf::Error::Decryption(_) => IngestError::PasswordRequired { path },
        lopdf::Error::UnsupportedSecurityHandler(handler) => IngestError::UnsupportedEncryption {
            path,
            handler: String::from_utf8_lossy(&handler).into_owned(),
        },
        lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { .. }) => IngestError::Limit {
            path,
            source: LimitError::StreamTooLarge { object: None, limit: limits.max_stream_bytes },
        },
        other => IngestError::Unparseable { path, detail: other.to_string(), hint: damage_hint(bytes) },
    }
}

/// What a file that cannot be read looks like, and what to do about it.
fn damage_hint(bytes: &[u8]) -> String {
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    if tail.windows(5).any(|w| w == b"%%EOF") {
        "its structure is damaged throughout; ask the customer to export it to PDF again".to_string()
    } else {
        format!(
            "it ends after {} bytes without the %%EOF marker, so it was probably cut off during upload or export; ask the customer to send it again",
            bytes.len()
        )
    }
}

/// Attributes a page inherits from its ancestors in the page tree.
#[derive(Clone, Copy, Default)]
struct Inherited<'a> {
    media_box: Option<&'a Object>,
    crop_box: Option<&'a Object>,
    rotate: Option<&'a Object>,
    resources: Option<&'a Object>,
}

impl<'a> Inherited<'a> {
    /// The attributes a node passes down: its own where it has them, else its parent's. Borrowed
    /// from the nodes, so a page tree of many leaves copies no dictionaries on the way down.
    fn overridden_by(self, node: &'a Dictionary) -> Inherited<'a> {
        let pick = |key: &[u8], current: Option<&'a Object>| node.entry(key).or(current);
        Inherited {
            media_box: pick(b"MediaBox", self.media_box),
            crop_box: pick(b"CropBox", self.crop_box),
            rotate: pick(b"Rotate", self.rotate),
            resources: pick(b"Resources", self.resources),
        }
    }
}

fn walk_page_tree(
    path: &Path,
    doc: &dyn Objects,
    max_depth: usize,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<SourcePage>, IngestError> {
    let no_tree = |detail: String| IngestError::NoPageTree { path: path.to_path_buf(), detail };
    let catalog = doc.catalog().map_err(|e| no_tree(format!("no document catalog: {e}")))?;
    let root = catalog
        .get(b"Pages")
        .and_then(Object::as_reference)
        .map_err(|e| no_tree(format!("the catalog's /Pages is not a reference: {e}")))?;

    let mut pages = Vec::new();
    let mut visited: HashSet<ObjectId> = HashSet::new();
    // Depth-first, left to right: (node, inherited attributes, depth).
    let mut stack: Vec<(ObjectId, Inherited, usize)> = vec![(root, Inherited::default(), 0)];
    while let Some((id, inherited, depth)) = stack.pop() {
        let first_visit = visited.insert(id);
        if depth > max_depth {
            return Err(IngestError::Limit {
                path: path.to_path_buf(),
                source: LimitError::PageTreeTooDeep { limit: max_depth },
            });
        }
        let Ok(node) = doc.get_dictionary(id) else {
            warnings.push(Warning::new(
                "page-tree-node-missing",
                format!("page tree node {} {} R is missing or not a dictionary; skipped", id.0, id.1),
            ));
            continue;
        };
        let attributes = inherited.overridden_by(node);
        let is_page = match node.entry(b"Type").and_then(|t| t.as_name().ok()) {
            Some(b"Page") => true,
            Some(b"Pages") => false,
            // A node without a usable /Type is a page when it has no kids (as readers treat it).
            _ => !node.has(b"Kids"),
        };
        if !first_visit && !is_page {
            return Err(IngestError::PageTreeCycle {
                path: path.to_path_buf(),
                object: id.0,
                generation: id.1,
            });
        }
        if is_page {
            let number = pages.len() + 1;
            if !first_visit {
                // The same page listed twice in /Kids: readers (and qpdf's repair) show it twice.
                warnings.push(
                    Warning::new(
                        "page-listed-twice",
                        format!("page object {} {} R is listed more than once in the page tree; each listing is a page", id.0, id.1),
                    )
                    .on_page(number),
                );
            }
            pages.push(describe_page(path, doc, id, node, &attributes, number, warnings)?);
            continue;
        }
        let kids =
            node.get(b"Kids").and_then(|k| doc.dereference(k)).and_then(|(_, k)| k.as_array()).map_err(
                |e| no_tree(format!("page tree node {} {} R has no /Kids array: {e}", id.0, id.1)),
            )?;
        for kid in kids.iter().rev() {
            match kid.as_reference() {
                Ok(kid_id) => stack.push((kid_id, attributes, depth + 1)),
                Err(_) => warnings.push(Warning::new(
                    "page-tree-kid-invalid",
                    format!("a /Kids entry of {} {} R is not a reference; skipped", id.0, id.1),
                )),
            }
        }
    }
    if pages.is_empty() {
        return Err(IngestError::NoPages { path: path.to_path_buf() });
    }
    Ok(pages)
}

fn describe_page(
    path: &Path,
    doc: &dyn Objects,
    id: ObjectId,
    node: &Dictionary,
    inherited: &Inherited<'_>,
    number: usize,
    warnings: &mut Vec<Warning>,
) -> Result<SourcePage, IngestError> {
    let bad = |detail: String| IngestError::BadPage { path: path.to_path_buf(), page: number, detail };
    let media_box = match inherited.media_box.and_then(|o| read_rect(doc, o)) {
        Some(r) => r,
        None => {
            warnings.push(
                Warning::new("media-box-missing", "no usable /MediaBox; US Letter assumed").on_page(number),
            );
            DEFAULT_MEDIA_BOX
        }
    };
    if media_box.width() > MAX_PAGE_SIDE_PT || media_box.height() > MAX_PAGE_SIDE_PT {
        return Err(bad(format!(
            "the /MediaBox is {:.0} x {:.0} units, larger than any printable sheet",
            media_box.width(),
            media_box.height()
        )));
    }
    if media_box.width() <= 0.0 || media_box.height() <= 0.0 {
        return Err(bad("the /MediaBox has no area".to_string()));
    }
    let crop_box = match inherited.crop_box.and_then(|o| read_rect(doc, o)) {
        None => media_box,
        Some(crop) => crop.intersect(&media_box).unwrap_or_else(|| {
            warnings.push(
                Warning::new(
                    "crop-box-outside",
                    "the /CropBox lies outside the /MediaBox; the /MediaBox is used",
                )
                .on_page(number),
            );
            media_box
        }),
    };
    let rotation = match inherited.rotate.and_then(|o| read_number(doc, o)) {
        None => Rotation::R0,
        Some(degrees) => Rotation::from_degrees(degrees.round() as i64)
            .filter(|_| degrees.fract() == 0.0)
            .unwrap_or_else(|| {
                warnings.push(
                    Warning::new(
                        "rotate-invalid",
                        format!("/Rotate {degrees} is not a multiple of 90; ignored"),
                    )
                    .on_page(number),
                );
                Rotation::R0
            }),
    };
    let user_unit = match node.entry(b"UserUnit").and_then(|o| read_number(doc, o)) {
        None => 1.0,
        Some(u) if u > 0.0 && u.is_finite() && u <= 75_000.0 => u,
        Some(u) => {
            warnings.push(
                Warning::new("user-unit-invalid", format!("/UserUnit {u} is invalid; 1 used"))
                    .on_page(number),
            );
            1.0
        }
    };
    let contents = content_streams(doc, node);
    let own_box = |key: &[u8], within: &Rect| {
        node.entry(key).and_then(|o| read_rect(doc, o)).and_then(|r| r.intersect(within))
    };
    let trim_box = own_box(b"TrimBox", &crop_box).unwrap_or(crop_box);
    let bleed_box = own_box(b"BleedBox", &media_box).unwrap_or(crop_box);
    let annotations = annotations::read(doc, node, |o| read_rect(doc, o));
    Ok(SourcePage {
        object: id,
        media_box,
        crop_box,
        trim_box,
        bleed_box,
        rotation,
        user_unit,
        resources: inherited.resources.cloned(),
        contents,
        group: node.entry(b"Group").cloned(),
        annotations,
    })
}

/// The page's content stream objects: `/Contents` may be one stream or an array of them, directly
/// or through a reference.
fn content_streams(doc: &dyn Objects, page: &Dictionary) -> Vec<ObjectId> {
    let Some(contents) = page.entry(b"Contents") else {
        return Vec::new();
    };
    let refs: Vec<&Object> = match contents {
        Object::Reference(id) if doc.is_stream(*id) => return vec![*id],
        Object::Reference(id) => match doc.get_object(*id) {
            Ok(Object::Array(items)) => items.iter().collect(),
            _ => Vec::new(),
        },
        Object::Array(items) => items.iter().collect(),
        _ => Vec::new(),
    };
    refs.into_iter().filter_map(|o| o.as_reference().ok()).filter(|id| doc.is_stream(*id)).collect()
}

fn read_number(doc: &dyn Objects, object: &Object) -> Option<f64> {
    let (_, object) = doc.dereference(object).ok()?;
    let value = match object {
        Object::Integer(i) => *i as f64,
        Object::Real(r) => *r as f64,
        _ => return None,
    };
    value.is_finite().then_some(value)
}

fn read_rect(doc: &dyn Objects, object: &Object) -> Option<Rect> {
    let (_, object) = doc.dereference(object).ok()?;
    let values: Vec<f64> = object.as_array().ok()?.iter().filter_map(|v| read_number(doc, v)).collect();
    if values.len() != 4 {
        return None;
    }
    let rect = Rect::from_corners(values[0], values[1], values[2], values[3]);
    (rect.is_finite() && rect.width() > 0.0 && rect.height() > 0.0).then_some(rect)
}

/// Lower-case hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_input_is_read_whole_and_a_file_of_another_length_is_an_error() {
        let data: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
        let mut file = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut file, &data).unwrap();
        let read = read_whole(&file, data.len()).unwrap();
        assert_eq!((*read).as_ref(), &data[..]);
        // Read again from the start, whatever was read before.
        assert_eq!((*read_whole(&file, data.len()).unwrap()).as_ref(), &data[..]);
        // Longer or shorter than the mapping it stands for: the file changed.
        for len in [data.len() - 1, data.len() + 1] {
            let error = read_whole(&file, len).map(drop).unwrap_err();
            assert!(error.to_string().contains("changed"), "{error}");
        }
    }

    #[test]
    fn a_small_input_is_read_whole_and_not_mapped_and_a_large_one_is_mapped() {
        let dir = tempfile::tempdir().unwrap();
        let (small, large) = (dir.path().join("small.pdf"), dir.path().join("large.pdf"));
        std::fs::write(&small, leases::tests::one_page(b"0 0 10 10 re f".to_vec())).unwrap();
        std::fs::write(&large, leases::tests::one_page(vec![b' '; SMALL_INPUT_BYTES])).unwrap();
        let options = IngestOptions::default();
        let from_disk = open(&small, &options).unwrap();
        let Origin::OnDemand(file) = &from_disk.origin else { panic!("a small file is read on demand") };
        assert!(!file.is_loaded(), "opened from what was read whole");
        let written = std::fs::read(&small).unwrap();
        let given = open_bytes(&small, &written, &options).unwrap();
        assert_eq!(from_disk.sha256.hex(), given.sha256.hex());
        assert_eq!(from_disk.pages[0].contents, given.pages[0].contents);
        assert_eq!(from_disk.identity(), Some(FileIdentity::of_file(&File::open(&small).unwrap()).unwrap()));
        assert_eq!((*from_disk.bytes_afresh().unwrap().unwrap()).as_ref(), &written[..]);
        assert!(!file.is_loaded(), "read afresh, not kept");
        // Read through its own store: the file is read when asked for.
        assert_eq!(from_disk.file_bytes(), &written[..]);
        assert!(file.is_loaded());
        from_disk.release_resident_pages();
        assert_eq!(from_disk.file_bytes(), &written[..]);

        let mapped = open(&large, &options).unwrap();
        assert!(mapped.origin.mapped().is_some() && mapped.bytes_afresh().is_none());

        // Written to since it was opened: no longer the file the job read.
        assert!(!from_disk.has_changed() && !mapped.has_changed() && !given.has_changed());
        std::fs::write(dir.path().join("new.pdf"), &written).unwrap();
        std::fs::rename(dir.path().join("new.pdf"), &small).unwrap();
        assert!(from_disk.has_changed() && !given.has_changed());
        let message = IngestError::Changed { path: small.clone() }.to_string();
        assert!(message.contains("replaced or written to while the job ran"), "{message}");
    }

    #[test]
    fn a_file_that_cannot_be_mapped_for_want_of_maps_names_the_limit() {
        let path = Path::new("big.pdf");
        let out_of_maps = map_error(path, std::io::Error::from_raw_os_error(12));
        assert!(matches!(out_of_maps, IngestError::OutOfMaps { .. }));
        assert!(out_of_maps.to_string().contains("vm.max_map_count"), "{out_of_maps}");
        let other = map_error(path, std::io::Error::from_raw_os_error(13));
        assert!(matches!(other, IngestError::Io { .. }));
    }
}
