// Package ops implements hsfan's reductions as exactly-mergeable partial
// states, CF decoding of packed values and reduction weights. It is pure
// computation: no I/O, no globals, no logging.
//
// # Data flow
//
// A worker decodes the raw values of one chunk with a CF decoder
// (DecodeInt16, DecodeFloat32, ... or the generic Decode) into float64 values
// (NaN for fill, missing and out-of-range values), then calls
// Partial.AddBlock with the chunk's part of the selection. Partials are
// serialized (MarshalBinary), sent to the coordinator, merged (Merge) in any
// order and any tree shape, and finalized once (Finalize).
//
// # Determinism by construction
//
// The final float64 bits do not depend on concurrency, task sizes, retries,
// merge order or merge tree shape:
//
//   - Inside a block, AddBlock walks the values in C order, one row (the last
//     axis of the block) at a time. Each row produces a few float64 numbers
//     (a sum computed with four interleaved partial sums, a weight sum, a
//     minimum, ...) by a fixed sequence of IEEE operations (explicit float64
//     conversions forbid FMA fusion, so amd64 and arm64 workers agree).
//   - Those row numbers are folded into per-cell exact accumulators: Shewchuk
//     floating-point expansions (sums of non-overlapping float64 components,
//     three stored inline per cell, longer ones spilled to a map). Addition
//     of a float64 to an expansion is exact, so the accumulated value is the
//     exact real sum of all row contributions, whatever their order.
//   - Merge adds the components of one partial to the other: exact again,
//     hence associative and commutative to the bit.
//   - Finalize rounds each exact value once: the canonical pair
//     (RN(v), RN(v-RN(v))) is a function of the exact value v only, and the
//     mean is a double-double quotient of canonical pairs; variances are
//     computed with math/big from the exact values.
//
// The only contract for callers: the same data must be offered as the same
// blocks (in hsfan a block is always one chunk intersected with the
// selection), because rounding inside a row depends on the row contents.
// Counts are int64; minimum and maximum order -0 below +0 so that they are
// order independent too.
//
// # Precision
//
// Within a row (for MUR25, 1440 values) the sum uses four partial sums;
// across rows, blocks and partials nothing is lost. A year of 1M-cell days
// therefore carries only the rounding of single rows (relative ~1e-16).
//
// # Variance and standard deviation
//
// Summing x and x² is hopeless for data such as 1e9 + small noise: the
// cancellation in Σx² - (Σx)²/n destroys every digit. Instead each row
// contributes its weight W_r, its mean m_r (float64), the residual
// r_r = Σw(x-m_r) and its centred second moment M2_r = Σw(x-m_r)², all from
// a two-pass loop over the row while it is in L1 cache. The exact identity
//
//	Σ w(x-M)² = Σ_r (M2_r + 2 m_r r_r) + Σ_r W_r m_r² - S²/W,
//	S = Σ_r (W_r m_r + r_r), W = Σ_r W_r, M = S/W
//
// is then evaluated with exact accumulators: W_r m_r and W_r m_r² are
// split exactly into float64 components with math.FMA, and the final
// cancellation Q - S²/W is done with math/big on exact values. The only
// rounding left is in the small, centred row terms, so large offsets cost
// nothing (see TestVarianceLargeOffset). Without weights, var = M2/(N-DDOF)
// (DDOF defaults to 0 like numpy). With weights the variance is the weighted
// population variance Σw(x-M)²/Σw and DDOF must be 0.
//
// # Sizes
//
// State per cell: an int64 count plus, per exact accumulator, 3 inline
// float64 components and a length byte (sum: 1 accumulator, weighted mean:
// 2, var/std: 3 or 4). Serialized partials store only the used components:
// a 1M-cell mean map after a month of days is about 8 MB, a var map about
// 21 MB, an all-reduced partial a few dozen bytes per output cell.
//
// # Weights
//
// Weights (Geometry.AxisWeights, Geometry.FullWeights) multiply values for
// sum (Σwx), mean (Σwx/Σw over valid values), var and std, as xarray's
// DataArray.weighted does. They are also a mask for every kind: a value whose
// weight is 0 is left out as if it were NaN, so count, min, max and
// histogram (which xarray's .weighted() does not offer) see exactly the
// values that enter the weighted mean, and Result.Count of every kind counts
// the valid values of non-zero weight (for the SST recipe, coslat:60, the
// ocean cells within ±60°, not the ones beyond). Histogram counts are not
// weighted (numpy.histogram(weights=) would sum weights per bin). Weights are
// finite and >= 0 (Geometry.Validate). NaN values are skipped everywhere;
// ±Inf are valid values (a sum containing +Inf is +Inf, a variance NaN; an
// Inf of weight 0 is left out, where a product 0·Inf would give NaN).
package ops
