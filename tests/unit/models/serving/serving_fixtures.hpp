// What the serving unit tests share: the H100, Llama 3.1 shapes (Meta's config.json), a
// tiny model whose iterations take about 2 ms under slow constants, and a sum.
#pragma once

#include <cstdint>
#include <numeric>
#include <vector>

#include "models/accelerators/accelerator.hpp"
#include "models/serving/iteration.hpp"
#include "models/workloads/transformer.hpp"

namespace footprint::test_util {

inline models::AcceleratorType h100() {
  const models::AcceleratorLibrary lib;
  return *lib.find("H100");
}

/// Llama 3.1 (Meta's config.json): SwiGLU, 8 KV heads, vocabulary 128256, context 8192,
/// untied embeddings.
inline models::TransformerSpec llama31(std::int64_t layers, std::int64_t d, std::int64_t dff,
                                       std::int64_t heads) {
  models::TransformerSpec m;
  m.decoder_layers = layers;
  m.d_model = d;
  m.d_ff = dff;
  m.ffn = models::FfnKind::kGated;
  m.heads = heads;
  m.kv_heads = 8;
  m.vocabulary = 128256;
  m.sequence = 8192;
  m.tied_embeddings = false;
  return m;
}
/// Llama 3.1 8B: 32 layers, d 4096, SwiGLU 14336, 32 heads.
inline models::TransformerSpec llama_8b() {
  return llama31(32, 4096, 14336, 32);
}
/// Llama 3.1 70B: 80 layers, d 8192, SwiGLU 28672, 64 heads.
inline models::TransformerSpec llama_70b() {
  return llama31(80, 8192, 28672, 64);
}

/// Serving constants with a 1 ms overhead per layer, so that each iteration of the tiny
/// model takes about 2 ms.
inline models::ServingCalibration slow_calibration() {
  models::ServingCalibration c;
  c.chip = "H100";
  c.memory_efficiency = 0.5;
  c.layer_overhead_s = 1e-3;
  c.memory_utilisation = 0.5;
  c.source = "test";
  return c;
}

/// 2 layers, d 64, 4 heads of 16, two-matrix d_ff 256, vocabulary 1000, tied: 162304
/// parameters (64000 embedding, 2 x (4 x 64^2 + 2 x 64 x 256)). KV cache per token:
/// keys and values of 64 x 2 bytes x 2 layers = 512 bytes.
inline models::TransformerSpec tiny() {
  models::TransformerSpec m;
  m.decoder_layers = 2;
  m.d_model = 64;
  m.d_ff = 256;
  m.heads = 4;
  m.vocabulary = 1000;
  m.sequence = 1024;
  return m;
}

inline double sum(const std::vector<double>& v) {
  return std::accumulate(v.begin(), v.end(), 0.0);
}

}  // namespace footprint::test_util
