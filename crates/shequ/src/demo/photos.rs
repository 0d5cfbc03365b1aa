//! Demo photos: small pictures drawn here (PNG) and attached, through the attachment functions, to the first
//! community's hazards — a 现场照片 of what was found on each, and a 整改照片 of the result on the rectified
//! ones — so that the demo's hazard pages show what workers upload. Each picture is drawn from the hazard's id,
//! so a demo database is the same every time it is made.

use crate::accounts::Actor;
use crate::cases::attachments::{self, Upload};
use crate::cases::hazards;
use crate::db::Db;

/// Hazards of the first community that get photos.
const HAZARDS: i64 = 12;
const WIDTH: u32 = 240;
const HEIGHT: u32 = 160;

/// Attaches the photos; returns how many were attached.
pub async fn generate(db: &Db, community: i64) -> anyhow::Result<usize> {
    let admin = Actor::system();
    let ids: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, state FROM hazards WHERE community_id = $1 ORDER BY id LIMIT $2",
    )
    .bind(community)
    .bind(HAZARDS)
    .fetch_all(&db.pool)
    .await?;
    let mut attached = 0;
    for (id, state) in ids {
        let h = hazards::get(db, &admin, id).await?;
        let mut shots = vec![("photo", "现场照片", false)];
        if state == "rectified" {
            shots.push(("rectification", "整改照片", true));
        }
        for (purpose, label, rectified) in shots {
            let upload = Upload {
                filename: format!("{label}-{id}.png"),
                content_type: "image/png".into(),
                bytes: picture(id as u64, rectified)?,
            };
            attachments::add(db, &admin, hazards::owner(&h), purpose, &upload).await?;
            attached += 1;
        }
    }
    Ok(attached)
}

/// A corridor seen from its end: wall, floor and door in colours varied by `seed`; cartons and a scooter in
/// the way before the rectification, a clear floor and a green exit sign after it.
fn picture(seed: u64, rectified: bool) -> anyhow::Result<Vec<u8>> {
    let tint = (seed * 37 % 40) as u8;
    let mut pixels = Vec::with_capacity((WIDTH * HEIGHT * 3) as usize);
    for y in 0..HEIGHT {
        for x in 0..WIDTH {
            let in_box =
                |x0: u32, y0: u32, x1: u32, y1: u32| x >= x0 && x < x1 && y >= y0 && y < y1;
            let shade = (y * 40 / HEIGHT) as u8;
            let rgb: [u8; 3] = if rectified && in_box(100, 14, 140, 30) {
                [40, 160, 70]
            } else if in_box(95, 40, 145, 110) {
                [120 + tint, 80, 50]
            } else if !rectified
                && in_box(30 + (seed % 30) as u32, 90, 90 + (seed % 30) as u32, 135)
            {
                [190, 150, 90]
            } else if !rectified && in_box(160, 100, 215, 130) {
                [30, 60, 150]
            } else if y >= 110 {
                [150 - shade, 150 - shade, 140 - shade]
            } else {
                [215 - tint, 215 - shade, 200]
            };
            pixels.extend_from_slice(&rgb);
        }
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, WIDTH, HEIGHT);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&pixels)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn pictures_are_png_and_differ_before_and_after() {
        let before = super::picture(7, false).unwrap();
        let after = super::picture(7, true).unwrap();
        assert!(before.starts_with(b"\x89PNG\r\n\x1a\n"));
        assert_ne!(before, after);
        assert_eq!(before, super::picture(7, false).unwrap());
    }
}
