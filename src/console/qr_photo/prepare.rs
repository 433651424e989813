//! The copies of a photo that the QR decoder tries, in order (measured on the photo corpus of
//! `scripts/photo-corpus.py`: each copy reads photos that the ones before it miss).

use image::imageops::FilterType;
use image::{DynamicImage, GrayImage, Luma};

/// One attempt: how to make its copy of the working image (`None`: not for this image) and
/// whether to binarise it with one global threshold instead of local ones.
pub(super) struct Attempt {
    pub make: fn(&GrayImage) -> Option<GrayImage>,
    pub global: bool,
}

/// Images up to this many pixels are also tried at twice their size: blurred small codes
/// (a close-up of 400 px, a page of 1000 px) read better with finer sampling.
const UPSCALE_PIXELS: u64 = 1_500_000;

/// The attempts, cheapest and most often successful first: as taken, scaled up, flattened,
/// flattened with a global threshold, sharpened, sharpened and scaled up.
pub(super) const ATTEMPTS: [Attempt; 6] = [
    Attempt {
        make: |i| Some(i.clone()),
        global: false,
    },
    Attempt {
        make: |i| small(i).then(|| twice(i)),
        global: false,
    },
    Attempt {
        make: |i| Some(flatten(i)),
        global: false,
    },
    Attempt {
        make: |i| Some(flatten(i)),
        global: true,
    },
    Attempt {
        make: |i| Some(sharpen(&flatten(i))),
        global: false,
    },
    Attempt {
        make: |i| small(i).then(|| twice(&sharpen(&flatten(i)))),
        global: false,
    },
];

/// `img`, scaled down (box filter) to at most `max_pixels` pixels.
pub(super) fn working_copy(img: GrayImage, max_pixels: u64) -> GrayImage {
    let (w, h) = img.dimensions();
    let pixels = u64::from(w) * u64::from(h);
    if pixels <= max_pixels {
        return img;
    }
    let f = (max_pixels as f64 / pixels as f64).sqrt();
    let (nw, nh) = (
        ((f64::from(w) * f).floor() as u32).max(1),
        ((f64::from(h) * f).floor() as u32).max(1),
    );
    DynamicImage::ImageLuma8(img)
        .thumbnail_exact(nw, nh)
        .into_luma8()
}

/// `img` resized with a triangle filter. `DynamicImage`'s methods are compiled inside the
/// `image` crate (optimised in test builds too: Cargo.toml), `imageops`' generic ones in ours.
fn resize(img: &GrayImage, w: u32, h: u32) -> GrayImage {
    DynamicImage::ImageLuma8(img.clone())
        .resize_exact(w, h, FilterType::Triangle)
        .into_luma8()
}

fn small(img: &GrayImage) -> bool {
    let (w, h) = img.dimensions();
    u64::from(w) * u64::from(h) <= UPSCALE_PIXELS
}

fn twice(img: &GrayImage) -> GrayImage {
    let (w, h) = img.dimensions();
    resize(img, w * 2, h * 2)
}

fn sharpen(img: &GrayImage) -> GrayImage {
    DynamicImage::ImageLuma8(img.clone())
        .unsharpen(2.0, 5)
        .into_luma8()
}

/// Uneven light removed: each pixel divided by the paper's brightness around it (the local
/// maximum of a 1/16-scale copy, over 5 × 5 of its cells, scaled back up).
pub(super) fn flatten(img: &GrayImage) -> GrayImage {
    const CELL: u32 = 16;
    let (w, h) = img.dimensions();
    let small = resize(img, (w / CELL).max(1), (h / CELL).max(1));
    let (sw, sh) = small.dimensions();
    let paper = GrayImage::from_fn(sw, sh, |x, y| {
        let (x0, x1) = (x.saturating_sub(2), (x + 2).min(sw - 1));
        let (y0, y1) = (y.saturating_sub(2), (y + 2).min(sh - 1));
        let mut m = 0u8;
        for yy in y0..=y1 {
            for xx in x0..=x1 {
                m = m.max(small.get_pixel(xx, yy)[0]);
            }
        }
        Luma([m])
    });
    let paper = resize(&paper, w, h);
    let mut out = img.clone();
    for (o, p) in out.iter_mut().zip(paper.iter()) {
        *o = (u32::from(*o) * 255 / u32::from(*p).max(16)).min(255) as u8;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A large photo is scaled down to the working size; a small one is kept as it is.
    #[test]
    fn the_working_copy_is_at_most_the_working_size() {
        let big = GrayImage::new(4000, 3000);
        let w = working_copy(big, 4_000_000);
        assert!(u64::from(w.width()) * u64::from(w.height()) <= 4_000_000);
        assert_eq!((w.width(), w.height()), (2309, 1732));
        let small = GrayImage::new(800, 600);
        assert_eq!(working_copy(small, 4_000_000).dimensions(), (800, 600));
    }

    /// A dark corner of white paper comes out white; black stays black.
    #[test]
    fn flattening_lifts_shaded_paper_to_white() {
        let img = GrayImage::from_fn(320, 320, |x, y| {
            let paper = 255 - (x + y) * 150 / 640;
            Luma([if (x / 40 + y / 40) % 2 == 0 {
                paper as u8
            } else {
                10
            }])
        });
        let flat = flatten(&img);
        assert_eq!(img.get_pixel(300, 300)[0], 115);
        assert!(
            flat.get_pixel(300, 300)[0] > 220,
            "{}",
            flat.get_pixel(300, 300)[0]
        );
        assert!(flat.get_pixel(20, 60)[0] < 40);
    }
}
