/** simple_rbm's published curve (its README; REFERENCE §1): MNIST, 784-64, defaults, 10 epochs, batch 1000. */
export const PUBLISHED_KL = {
  cpu: [0.3689, 0.2504, 0.2144, 0.1982, 0.1875, 0.1797, 0.1736, 0.1685, 0.1645, 0.1612],
  gpu: [0.3716, 0.2513, 0.2144, 0.1968, 0.1857, 0.178, 0.1723, 0.1677, 0.1639, 0.1607],
} as const;

/** The agreement the project promises with the published curve, per epoch. */
export const PARITY_TOLERANCE = 0.006;
