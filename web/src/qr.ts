import QRCode from 'qrcode';

/** Draws `text` as a QR code on a canvas, in the browser: no image service, no inline image. */
export function qrCanvas(text: string, label: string, size = 240): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.className = 'qr';
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', label);
  canvas.dataset.qr = text;
  QRCode.toCanvas(canvas, text, { errorCorrectionLevel: 'M', margin: 2, width: size }, (error) => {
    if (error) canvas.replaceWith(document.createTextNode(text));
  });
  return canvas;
}
