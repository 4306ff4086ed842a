// Drawing helpers for the demo page: grids of gray tiles and a line chart.

/** Draws tiles (values in [0, 1], or signed weights) as a grid of 28 × 28 images, `scale` times. */
export function drawTiles(canvas: HTMLCanvasElement, tiles: Float32Array[], columns: number, scale = 2, signed = false): void {
  const side = 28;
  const rows = Math.ceil(tiles.length / columns);
  canvas.width = columns * (side * scale + 2) + 2;
  canvas.height = rows * (side * scale + 2) + 2;
  const context = canvas.getContext('2d')!;
  context.fillStyle = '#888';
  context.fillRect(0, 0, canvas.width, canvas.height);
  const image = context.createImageData(side, side);
  const scratch = document.createElement('canvas');
  scratch.width = side;
  scratch.height = side;
  tiles.forEach((tile, t) => {
    const range = signed ? tile.reduce((m, v) => Math.max(m, Math.abs(v)), 0) || 1 : 1;
    for (let i = 0; i < side * side; i++) {
      const unit = signed ? 0.5 + tile[i] / (2 * range) : tile[i];
      const g = Math.round(255 * Math.min(1, Math.max(0, unit)));
      image.data.set([g, g, g, 255], 4 * i);
    }
    scratch.getContext('2d')!.putImageData(image, 0, 0);
    context.imageSmoothingEnabled = false;
    const x = 2 + (t % columns) * (side * scale + 2);
    const y = 2 + Math.floor(t / columns) * (side * scale + 2);
    context.drawImage(scratch, x, y, side * scale, side * scale);
  });
}

/** The KL curve so far, with labelled axes. */
export function drawCurve(canvas: HTMLCanvasElement, values: number[], epochs: number): void {
  const context = canvas.getContext('2d')!;
  const [w, h] = [canvas.width, canvas.height];
  const left = 48;
  const bottom = h - 28;
  context.clearRect(0, 0, w, h);
  context.fillStyle = '#222';
  context.font = '11px sans-serif';
  context.strokeStyle = '#222';
  context.beginPath();
  context.moveTo(left, 8);
  context.lineTo(left, bottom);
  context.lineTo(w - 8, bottom);
  context.stroke();
  context.fillText('epoch', w / 2, h - 6);
  context.save();
  context.translate(12, h / 2 + 30);
  context.rotate(-Math.PI / 2);
  context.fillText('KL divergence', 0, 0);
  context.restore();
  if (values.length === 0) return;
  const low = Math.min(...values);
  const high = Math.max(...values);
  const pad = (high - low) * 0.1 || 0.01;
  const x = (e: number) => left + ((e - 1) / Math.max(1, epochs - 1)) * (w - left - 16);
  const y = (v: number) => 8 + (1 - (v - (low - pad)) / (high - low + 2 * pad)) * (bottom - 16);
  context.fillText((high + pad).toFixed(3), 4, 16);
  context.fillText((low - pad).toFixed(3), 4, bottom);
  context.fillText('1', left - 3, bottom + 14);
  context.fillText(String(epochs), w - 16, bottom + 14);
  context.strokeStyle = '#1f77b4';
  context.lineWidth = 2;
  context.beginPath();
  values.forEach((v, i) => (i === 0 ? context.moveTo(x(i + 1), y(v)) : context.lineTo(x(i + 1), y(v))));
  context.stroke();
  context.fillStyle = '#1f77b4';
  values.forEach((v, i) => context.fillRect(x(i + 1) - 2, y(v) - 2, 4, 4));
}
