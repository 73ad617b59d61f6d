#include "models/workloads/load_profile.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

#include "sim/kernel/csv/csv.hpp"
#include "sim/kernel/diagnostics/diagnostics.hpp"
#include "sim/kernel/units/time_constants.hpp"
#include "sim/kernel/units/utc.hpp"

namespace footprint::models {

namespace {

constexpr std::int64_t kDay = units::kWholeSecondsPerDay;
constexpr std::int64_t kHour = units::kWholeSecondsPerHour;

void check_multiplier(double m) {
  if (!std::isfinite(m) || m < 0) {
    throw std::invalid_argument(
        fmt::format("load multiplier {}: expected a finite number >= 0", m));
  }
}

/// Built-in daily profiles: hour-of-day multipliers (UTC), each averaging 1.
struct BuiltinLoad {
  const char* name;
  std::array<double, kHoursPerDay> hourly;
  const char* source;
};

// BurstGPT (Wang et al. 2024, "BurstGPT: A Real-world Workload Dataset to Optimize LLM
// Serving Systems", arXiv 2401.17644; github.com/HPMLL/BurstGPT): 5.29 million requests to
// an Azure OpenAI GPT-3.5 and GPT-4 service over 121 days (2024-01-01 to 04-30). The mean
// requests per hour of the day over those days, as printed by
// github.com/ctdunlap32/data-center-flexibility-resource-adequacy (MIT),
// archive/regression_baseline_burstgpt_validation.txt, commit 690f15d ("Average requests by
// hour of day": 1733 1277 1384 1663 1296 987 1086 1001 993 1140 1754 2192 2248 2315 2405
// 2410 2457 2339 2290 2346 2139 2318 2116 1815), each divided by their mean (1821.0). The
// trace's hours count from 0:00:00 of its first day in a zone it does not state; lowest at
// 05:00-08:00 and highest at 14:00-17:00, they read as the users' local time: give the
// users' utc_offset. docs/serving.md, "Daily load".
constexpr double kBurstMean = 1821.0;
// clang-format off
constexpr std::array<BuiltinLoad, 2> kBuiltins{{
    {"burstgpt",
     {1733 / kBurstMean, 1277 / kBurstMean, 1384 / kBurstMean, 1663 / kBurstMean,
      1296 / kBurstMean, 987 / kBurstMean, 1086 / kBurstMean, 1001 / kBurstMean,
      993 / kBurstMean, 1140 / kBurstMean, 1754 / kBurstMean, 2192 / kBurstMean,
      2248 / kBurstMean, 2315 / kBurstMean, 2405 / kBurstMean, 2410 / kBurstMean,
      2457 / kBurstMean, 2339 / kBurstMean, 2290 / kBurstMean, 2346 / kBurstMean,
      2139 / kBurstMean, 2318 / kBurstMean, 2116 / kBurstMean, 1815 / kBurstMean},
     "BurstGPT 2024 mean requests by hour of day (Wang et al. 2024), local hours"},
    {"flat",
     {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
     "a constant rate (every hour 1)"},
}};
// clang-format on

}  // namespace

LoadProfile LoadProfile::daily(const std::array<double, kHoursPerDay>& hourly, std::string source) {
  double sum = 0;
  for (const double m : hourly) {
    check_multiplier(m);
    sum += m;
  }
  if (!(sum > 0)) {
    throw std::invalid_argument("a daily load profile with every hour at 0: no request ever");
  }
  LoadProfile p;
  p.daily_ = true;
  p.value_.assign(hourly.begin(), hourly.end());
  for (int h = 0; h < kHoursPerDay; ++h) {
    p.t_s_.push_back(h * kHour);
  }
  p.end_s_ = kDay;
  p.source_ = std::move(source);
  return p;
}

LoadProfile LoadProfile::timed(std::vector<std::int64_t> t_s, std::vector<double> value,
                               std::int64_t end_s, std::string source) {
  if (t_s.empty() || t_s.size() != value.size()) {
    throw std::invalid_argument("a load profile needs one multiplier per time, at least one");
  }
  for (std::size_t i = 0; i < t_s.size(); ++i) {
    check_multiplier(value[i]);
    if (i > 0 && t_s[i] <= t_s[i - 1]) {
      throw std::invalid_argument("load profile times must increase strictly");
    }
  }
  if (end_s <= t_s.back()) {
    throw std::invalid_argument("a load profile's end must follow its last time");
  }
  LoadProfile p;
  p.daily_ = false;
  p.t_s_ = std::move(t_s);
  p.value_ = std::move(value);
  p.end_s_ = end_s;
  p.source_ = std::move(source);
  return p;
}

LoadProfile LoadProfile::with_utc_offset(std::int64_t offset_s) const {
  if (!daily_) {
    throw std::invalid_argument("a timestamped load profile is in UTC already: no utc_offset");
  }
  if (offset_s <= -kDay || offset_s >= kDay) {
    throw std::invalid_argument(
        fmt::format("utc_offset {} s: expected less than a day either way", offset_s));
  }
  LoadProfile p = *this;
  p.offset_s_ = offset_s;
  return p;
}

bool LoadProfile::covers(std::int64_t from_s, std::int64_t to_s) const {
  return daily_ || (from_s >= t_s_.front() && to_s <= end_s_);
}

std::int64_t LoadProfile::first_s() const {
  return daily_ ? std::numeric_limits<std::int64_t>::min() : t_s_.front();
}

std::int64_t LoadProfile::end_s() const {
  return daily_ ? std::numeric_limits<std::int64_t>::max() : end_s_;
}

LoadProfile::Step LoadProfile::at(std::int64_t u) const {
  if (daily_) {
    const std::int64_t local = u + offset_s_;
    const std::int64_t day = local - ((local % kDay) + kDay) % kDay;  // floor to the day
    const std::int64_t h = (local - day) / kHour;
    return {value_[static_cast<std::size_t>(h)], day + (h + 1) * kHour - offset_s_};
  }
  if (u < t_s_.front() || u >= end_s_) {
    throw std::out_of_range(fmt::format("the load profile ({}) covers {} to {}, not {}", source_,
                                        units::format_utc(t_s_.front()), units::format_utc(end_s_),
                                        units::format_utc(u)));
  }
  const auto it = std::upper_bound(t_s_.begin(), t_s_.end(), u);
  const auto i = static_cast<std::size_t>(it - t_s_.begin()) - 1;
  return {value_[i], i + 1 < t_s_.size() ? t_s_[i + 1] : end_s_};
}

double LoadProfile::mean() const {
  double sum = 0;
  for (std::size_t i = 0; i < t_s_.size(); ++i) {
    const std::int64_t next = i + 1 < t_s_.size() ? t_s_[i + 1] : end_s_;
    sum += value_[i] * static_cast<double>(next - t_s_[i]);
  }
  return sum / static_cast<double>(end_s_ - t_s_.front());
}

std::vector<double> LoadProfile::hourly() const {
  return daily_ ? value_ : std::vector<double>{};
}

std::optional<LoadProfile> builtin_load_profile(std::string_view name) {
  for (const auto& b : kBuiltins) {
    if (name == b.name) {
      return LoadProfile::daily(b.hourly, b.source);
    }
  }
  return std::nullopt;
}

std::vector<std::string> builtin_load_profile_names() {
  std::vector<std::string> out;
  for (const auto& b : kBuiltins) {
    out.emplace_back(b.name);
  }
  return out;
}

LoadProfile load_load_profile_csv(const std::filesystem::path& path) {
  Diagnostics diag(path.string());
  constexpr std::string_view kExpected =
      "a header hour,multiplier (hour of the day, UTC) or timestamp_utc,multiplier";
  const auto table = csv::Table::read(path, diag, kExpected);
  const auto hour_col = table.optional_column("hour", diag);
  const auto time_col = table.optional_column("timestamp_utc", diag);
  const auto mult_col = table.column("multiplier", diag);
  if (hour_col && time_col) {
    diag.error(table.header_line(), 1, "", "give hour or timestamp_utc, not both");
  } else if (!hour_col && !time_col) {
    diag.error(table.header_line(), 1, "", fmt::format("expected {}", kExpected));
  }
  diag.throw_if_any();
  constexpr std::string_view kMultiplier = "a finite multiplier >= 0";
  std::vector<std::int64_t> times;
  std::vector<double> values;
  std::array<double, kHoursPerDay> hourly{};
  std::array<int, kHoursPerDay> seen{};
  for (const auto& row : table.rows()) {
    if (!table.complete(row, diag)) {
      continue;
    }
    const auto& mc = row.cells[*mult_col];
    const auto m = csv::read_number(row, mc, "multiplier", kMultiplier, diag);
    if (m && *m < 0) {
      diag.error(row.line, mc.column, "multiplier",
                 fmt::format("{} is negative: expected {}", csv::shown(mc.text), kMultiplier));
    }
    if (hour_col) {
      const auto& hc = row.cells[*hour_col];
      const auto h = csv::read_number(row, hc, "hour", "a whole hour from 0 to 23", diag);
      if (!h) {
        continue;
      }
      if (*h < 0 || *h > kHoursPerDay - 1 || std::floor(*h) != *h) {
        diag.error(row.line, hc.column, "hour",
                   fmt::format("{}: expected a whole hour from 0 to 23", csv::shown(hc.text)));
        continue;
      }
      const auto k = static_cast<std::size_t>(*h);
      if (seen[k] != 0) {
        diag.error(row.line, hc.column, "hour",
                   fmt::format("hour {} given twice (first on line {})", k, seen[k]));
        continue;
      }
      seen[k] = row.line;
      hourly[k] = m.value_or(0);
      continue;
    }
    const auto& tc = row.cells[*time_col];
    std::string error;
    const auto t = units::parse_utc_timestamp(tc.text, error);
    if (!t) {
      diag.error(row.line, tc.column, "timestamp_utc", error);
      continue;
    }
    if (!times.empty() && *t <= times.back()) {
      diag.error(row.line, tc.column, "timestamp_utc",
                 fmt::format("{} does not follow the row before ({}): times must increase",
                             csv::shown(tc.text), units::format_utc(times.back())));
      continue;
    }
    times.push_back(*t);
    values.push_back(m.value_or(0));
  }
  if (hour_col) {
    std::vector<std::string> missing;
    for (int h = 0; h < kHoursPerDay; ++h) {
      if (seen[static_cast<std::size_t>(h)] == 0) {
        missing.push_back(std::to_string(h));
      }
    }
    if (!missing.empty() && diag.empty()) {
      diag.error(0, 0, "hour",
                 fmt::format("the profile does not cover the day: hours {} missing (expected each "
                             "hour 0 to 23 once)",
                             fmt::join(missing, ", ")));
    }
  } else if (times.size() < 2 && diag.empty()) {
    diag.error(0, 0, "timestamp_utc",
               "a timestamped profile needs at least two rows (its step is their spacing)");
  }
  diag.throw_if_any();
  const std::string source = path.filename().string();
  try {
    if (hour_col) {
      return LoadProfile::daily(hourly, source);
    }
    std::vector<std::int64_t> steps;
    for (std::size_t i = 1; i < times.size(); ++i) {
      steps.push_back(times[i] - times[i - 1]);
    }
    std::nth_element(steps.begin(), steps.begin() + static_cast<std::ptrdiff_t>(steps.size() / 2),
                     steps.end());
    const std::int64_t step = steps[steps.size() / 2];
    return LoadProfile::timed(times, values, times.back() + step, source);
  } catch (const std::invalid_argument& e) {
    diag.error(0, 0, "multiplier", e.what());
    diag.throw_if_any();
    throw;
  }
}

}  // namespace footprint::models
