#include "sim/kernel/diagnostics/diagnostics.hpp"

#include <algorithm>
#include <cctype>
#include <numeric>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace footprint {

std::string Diagnostic::render() const {
  std::string out = file;
  if (line > 0) {
    out += fmt::format(":{}:{}", line, column);
  }
  if (!out.empty()) {
    out += ": ";
  }
  if (!path.empty()) {
    out += path + ": ";
  }
  out += message;
  return out;
}

namespace {
std::string join(const std::vector<Diagnostic>& d) {
  std::string s;
  for (const auto& x : d) {
    if (!s.empty()) {
      s += '\n';
    }
    s += x.render();
  }
  return s;
}
}  // namespace

InputError::InputError(std::vector<Diagnostic> diagnostics)
    : Error(ErrorKind::kInput, join(diagnostics)), diagnostics_(std::move(diagnostics)) {}

InputError::InputError(Diagnostic one) : InputError(std::vector<Diagnostic>{std::move(one)}) {}

void Diagnostics::error(int line, int column, std::string path, std::string message) {
  items_.push_back({file_, line, column, std::move(path), std::move(message)});
}

void Diagnostics::throw_if_any() const {
  if (!items_.empty()) {
    throw InputError(items_);
  }
}

namespace {
/// Edit distance counting a swap of two adjacent letters as one edit ("peu" -> "pue"), as
/// well as an insertion, a deletion or a substitution; case is ignored.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  const auto same = [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  };
  // Rows i - 2, i - 1 and i of the distance matrix.
  std::vector<std::size_t> before(b.size() + 1);
  std::vector<std::size_t> prev(b.size() + 1);
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(prev.begin(), prev.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      row[j] = std::min(
          {prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (same(a[i - 1], b[j - 1]) ? 0U : 1U)});
      if (i > 1 && j > 1 && same(a[i - 1], b[j - 2]) && same(a[i - 2], b[j - 1])) {
        row[j] = std::min(row[j], before[j - 2] + 1);
      }
    }
    std::swap(before, prev);
    std::swap(prev, row);
  }
  return prev[b.size()];
}
}  // namespace

std::string closest_match(std::string_view word, std::span<const std::string> candidates) {
  std::string best;
  std::size_t best_d = std::string_view::npos;
  for (const auto& c : candidates) {
    const auto d = edit_distance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  // Plausible typo: at most a third of the word's letters wrong, and at least one right.
  const std::size_t limit = std::max<std::size_t>(1, (word.size() + 2) / 3);
  return best_d <= limit ? best : std::string{};
}

}  // namespace footprint
