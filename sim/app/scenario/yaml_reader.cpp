#include "sim/app/scenario/yaml_reader.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

#include <fmt/format.h>

namespace footprint::scenario {

void report(Diagnostics& d, const YAML::Node& node, const std::string& path, std::string msg) {
  if (node.IsDefined() && node.Mark().line >= 0) {
    d.error(node.Mark().line + 1, node.Mark().column + 1, path, std::move(msg));
  } else {
    d.error(path, std::move(msg));
  }
}

bool has_problem(const Diagnostics& d, const std::string& path) {
  return std::any_of(d.items().begin(), d.items().end(), [&](const Diagnostic& item) {
    const std::string& p = item.path;
    return p.starts_with(path) &&
           (p.size() == path.size() || p[path.size()] == '.' || p[path.size()] == '[');
  });
}

namespace {

std::optional<double> parse_double(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '+')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && s.back() == ' ') {
    s.remove_suffix(1);
  }
  double v = 0;
  const auto* end = s.data() + s.size();
  const auto r = std::from_chars(s.data(), end, v);
  if (r.ec != std::errc{} || r.ptr != end) {
    return std::nullopt;
  }
  return v;
}

/// YAML's own spellings of NaN and infinity (".nan", "-.inf"), which from_chars does not read.
bool is_yaml_non_finite(std::string_view s) {
  if (s == ".nan" || s == ".NaN" || s == ".NAN") {
    return true;
  }
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    s.remove_prefix(1);
  }
  return s == ".inf" || s == ".Inf" || s == ".INF";
}

}  // namespace

std::optional<std::uint64_t> parse_seed(std::string_view text, std::string& why) {
  while (!text.empty() && text.front() == ' ') {
    text.remove_prefix(1);
  }
  while (!text.empty() && text.back() == ' ') {
    text.remove_suffix(1);
  }
  const bool digits = !text.empty() && std::all_of(text.begin(), text.end(),
                                                   [](char c) { return c >= '0' && c <= '9'; });
  if (!digits) {
    why = "expected a whole number from 0 to 18446744073709551615 (2^64 - 1) in decimal digits";
    return std::nullopt;
  }
  std::uint64_t v = 0;
  const auto* end = text.data() + text.size();
  const auto r = std::from_chars(text.data(), end, v);
  if (r.ec == std::errc::result_out_of_range) {
    why = "is above 18446744073709551615 (2^64 - 1), the largest seed";
    return std::nullopt;
  }
  if (r.ec != std::errc{} || r.ptr != end) {
    why = "expected a whole number from 0 to 18446744073709551615 (2^64 - 1) in decimal digits";
    return std::nullopt;
  }
  return v;
}

std::optional<double> read_number(Diagnostics& d, const YAML::Node& node, const std::string& path) {
  if (!node.IsScalar()) {
    report(d, node, path, "expected a number");
    return std::nullopt;
  }
  const auto& s = node.Scalar();
  const auto v = parse_double(s);
  if (!v && is_yaml_non_finite(s)) {
    report(d, node, path, fmt::format("expected a finite number, got \"{}\"", s));
    return std::nullopt;
  }
  if (!v) {
    report(d, node, path, fmt::format("expected a number, got \"{}\"", s));
    return std::nullopt;
  }
  if (!std::isfinite(*v)) {
    report(d, node, path, fmt::format("expected a finite number, got \"{}\"", s));
    return std::nullopt;
  }
  return v;
}

MapReader::MapReader(const YAML::Node& node, std::string path, Diagnostics& d,
                     std::vector<std::string> allowed)
    : node_(node), path_(std::move(path)), d_(&d) {
  if (!node.IsMap()) {
    report(d, node, path_, "expected a mapping of keys to values");
    return;
  }
  valid_ = true;
  std::map<std::string, int> first_line;
  for (const auto& kv : node) {
    const auto key = kv.first.as<std::string>("");
    const auto [first, fresh] = first_line.emplace(key, kv.first.Mark().line + 1);
    if (!fresh) {
      report(d, kv.first, path_.empty() ? key : path_ + "." + key,
             fmt::format("duplicate key \"{}\" (first given on line {})", key, first->second));
      continue;
    }
    bool known = false;
    for (const auto& a : allowed) {
      known = known || a == key;
    }
    if (!known) {
      const auto hint = closest_match(key, allowed);
      const std::string where = path_.empty() ? key : path_ + "." + key;
      report(d, kv.first, where,
             hint.empty() ? fmt::format("unknown key \"{}\"", key)
                          : fmt::format("unknown key \"{}\" (did you mean \"{}\"?)", key, hint));
    }
  }
}

bool MapReader::has(const std::string& key) const {
  return valid_ && node_[key].IsDefined();
}

YAML::Node MapReader::get(const std::string& key) const {
  return valid_ ? node_[key] : YAML::Node(YAML::NodeType::Undefined);
}

std::string MapReader::path(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

void MapReader::missing(const std::string& key) const {
  report(*d_, node_, path(key), fmt::format("missing required key \"{}\"", key));
}

std::optional<std::string> MapReader::scalar(const std::string& key, bool required) const {
  if (!valid_) {
    return std::nullopt;
  }
  const auto n = node_[key];
  if (!n.IsDefined() || n.IsNull()) {
    if (required) {
      missing(key);
    }
    return std::nullopt;
  }
  if (!n.IsScalar()) {
    report(*d_, n, path(key), "expected a single value, not a list or mapping");
    return std::nullopt;
  }
  return n.Scalar();
}

std::optional<std::string> MapReader::text(const std::string& key, bool required) const {
  auto s = scalar(key, required);
  if (s && s->empty()) {
    report(*d_, get(key), path(key), "must not be empty");
    return std::nullopt;
  }
  return s;
}

bool MapReader::check_sign(const std::string& key, double v, Sign sign) const {
  if (sign == Sign::kPositive && !(v > 0)) {
    report(*d_, get(key), path(key), fmt::format("must be positive, got {:g}", v));
    return false;
  }
  if (sign == Sign::kNonNegative && !(v >= 0)) {
    report(*d_, get(key), path(key), fmt::format("must not be negative, got {:g}", v));
    return false;
  }
  return true;
}

bool MapReader::check_bound(const std::string& key, const std::string& given, double v, double max,
                            const char* max_text) const {
  if (std::fabs(v) <= max) {
    return true;
  }
  report(*d_, get(key), path(key),
         fmt::format("\"{}\" is out of range: at most {} is accepted", given, max_text));
  return false;
}

std::optional<units::Watts> MapReader::device_power(const std::string& key, bool required,
                                                    Sign sign) const {
  return quantity_within<units::Watts>(key, required, sign, kMaxDevicePowerW, "1 MW per device");
}

std::optional<double> MapReader::number(const std::string& key, bool required, Sign sign) const {
  if (!scalar(key, required)) {
    return std::nullopt;
  }
  const auto v = read_number(*d_, get(key), path(key));
  if (v && !check_sign(key, *v, sign)) {
    return std::nullopt;
  }
  return v;
}

std::optional<std::int64_t> MapReader::count(const std::string& key, bool required,
                                             std::int64_t min) const {
  const auto v = number(key, required);
  if (!v) {
    return std::nullopt;
  }
  constexpr double kMaxExact = 9.007199254740992e15;  // 2^53
  if (*v != std::floor(*v) || std::fabs(*v) > kMaxExact) {
    report(*d_, get(key), path(key), fmt::format("expected a whole number, got {:g}", *v));
    return std::nullopt;
  }
  const auto i = static_cast<std::int64_t>(*v);
  if (i < min) {
    report(*d_, get(key), path(key), fmt::format("must be at least {}, got {}", min, i));
    return std::nullopt;
  }
  return i;
}

std::optional<std::uint64_t> MapReader::seed(const std::string& key, bool required) const {
  const auto s = scalar(key, required);
  if (!s) {
    return std::nullopt;
  }
  std::string why;
  const auto v = parse_seed(*s, why);
  if (!v) {
    report(*d_, get(key), path(key), fmt::format("\"{}\": {}", *s, why));
  }
  return v;
}

std::optional<double> MapReader::fraction(const std::string& key, bool required) const {
  const auto s = scalar(key, required);
  if (!s) {
    return std::nullopt;
  }
  std::optional<double> v;
  try {
    const auto p = units::parse_quantity(*s);
    if (p.dim != units::Dimension{}) {
      report(*d_, get(key), path(key),
             fmt::format("expected a fraction (0.19 or \"19 %\"), got \"{}\"", *s));
      return std::nullopt;
    }
    v = p.value_si;
  } catch (const units::UnitError& e) {
    report(*d_, get(key), path(key), e.what());
    return std::nullopt;
  }
  if (!(*v >= 0 && *v <= 1)) {
    report(*d_, get(key), path(key), fmt::format("must be a fraction in [0, 1], got {:g}", *v));
    return std::nullopt;
  }
  return v;
}

}  // namespace footprint::scenario
