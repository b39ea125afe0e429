// Makes the app's icons (issue 19) from the favicon's speech bubble (index.html): run once with
// `node packages/web/scripts/make-icons.mjs` and commit the PNGs in public/; the build only copies
// them. sharp is the server's dependency, so it is installed in the workspace.
import sharp from 'sharp';
import { fileURLToPath } from 'node:url';

const GREEN = '#98e165';
const OUT = fileURLToPath(new URL('../public/', import.meta.url));

// The favicon's bubble (viewBox 32×32: a rounded rectangle and its tail), centred in a square with
// a margin, for the "any" icons: drawn as is on a transparent background.
const bubble = (fill) => `<rect width="32" height="26" rx="6" fill="${fill}"/><path d="M8 26l0 6 7-6z" fill="${fill}"/>`;
const anyIcon = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="-4 -4 40 40">${bubble(GREEN)}</svg>`;
// The maskable icon: the platform cuts it to its own shape, keeping only the centred circle of 80%
// of the width for sure; so a full green square with a white bubble well inside that circle.
const maskable = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" fill="${GREEN}"/><g transform="translate(7.2 7.2) scale(0.55)">${bubble('#ffffff')}</g></svg>`;

const make = (svg, size, name) =>
  sharp(Buffer.from(svg), { density: (72 * size) / 32 })
    .resize(size, size)
    .png({ palette: true, compressionLevel: 9 })
    .toFile(`${OUT}${name}`);

await make(anyIcon, 192, 'icon-192.png');
await make(anyIcon, 512, 'icon-512.png');
await make(maskable, 512, 'icon-maskable-512.png');
// iOS ignores the manifest's icons and rounds its own corners over a square: the maskable drawing.
await make(maskable, 180, 'apple-touch-icon.png');
