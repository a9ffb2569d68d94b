// Marp settings for the workshop deck. scripts/slides.ts passes this file with --config-file.
export default {
  // The deck's own theme (large type, high contrast, generic fonts): no remote fonts, unlike Marp's `gaia`.
  themeSet: ['./theme.css'],
  options: {
    // Marp turns :shortcodes: and emoji into <img> tags from a CDN, and renders math with fonts from
    // a CDN: both would make the HTML load remote files, so both are off.
    emoji: { shortcode: false, unicode: false },
    math: false,
  },
  // Local images (the SVG diagrams) vanish from PDFs without it.
  allowLocalFiles: true,
}
