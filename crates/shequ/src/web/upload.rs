//! Multipart forms (uploads): text fields by name and the one file, read into memory with a bound. The
//! domain checks size and type ([`crate::cases::attachments::check`]); this only stops runaway bodies.

use std::collections::HashMap;

use axum::extract::Multipart;

use crate::cases::attachments::{Upload, MAX_BYTES};
use crate::error::Error;

/// The body limit of upload routes: the largest attachment plus room for the other fields.
pub const BODY_LIMIT: usize = MAX_BYTES + 256 * 1024;

/// Text fields and the file (the part with a filename) of a multipart form.
pub async fn read(mut m: Multipart) -> Result<(HashMap<String, String>, Upload), Error> {
    let mut fields = HashMap::new();
    let mut upload = Upload::default();
    let too_big = || Error::invalid("附件", "文件过大或上传中断,请重新选择不超过5MB的文件");
    while let Some(field) = m.next_field().await.map_err(|_| too_big())? {
        let name = field.name().unwrap_or("").to_string();
        if let Some(filename) = field.file_name().map(String::from) {
            upload.filename = filename;
            upload.content_type = field.content_type().unwrap_or("").to_string();
            upload.bytes = field.bytes().await.map_err(|_| too_big())?.to_vec();
        } else {
            let value = field.text().await.map_err(|_| too_big())?;
            fields.insert(name, value);
        }
    }
    Ok((fields, upload))
}
