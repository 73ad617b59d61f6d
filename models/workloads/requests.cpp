#include "models/workloads/requests.hpp"

#include "models/workloads/load_profile.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "sim/kernel/csv/csv.hpp"
#include "sim/kernel/diagnostics/diagnostics.hpp"
#include "sim/kernel/units/calendar.hpp"
#include "sim/kernel/units/time_constants.hpp"
#include "sim/kernel/units/utc.hpp"

namespace footprint::models {

namespace {

using engine::SimTime;

/// The random stream key of request generation; sub-streams below separate arrivals from
/// lengths, so that changing a length distribution leaves the arrival times unchanged.
constexpr std::uint64_t kRequestStream = 0x7e'0e57'5000ULL;
constexpr std::uint64_t kArrivalSub = 0;  ///< gaps between arrivals
constexpr std::uint64_t kPromptSub = 1;   ///< prompt lengths
constexpr std::uint64_t kOutputSub = 2;   ///< output lengths

/// The largest length a log-normal draw is rounded to: far beyond any model's sequence
/// length (such a request is rejected anyway), it keeps the rounding within int64.
constexpr double kMaxDrawnTokens = 0x1.0p50;

/// Fractional digits a time may carry: SimTime ticks are nanoseconds.
constexpr int kMaxFractionDigits = 9;
static_assert(SimTime::kTicksPerSecond == 1'000'000'000, "kMaxFractionDigits assumes 1 ns ticks");

constexpr int kLastHour = 23;
constexpr int kLastMinute = 59;
constexpr int kLastSecond = 59;
constexpr int kMonths = 12;

std::vector<Request> with_lengths(const std::vector<SimTime>& arrivals, const TokenLength& prompt,
                                  const TokenLength& output, std::uint64_t seed) {
  engine::RandomStream prompt_rng(seed, kRequestStream, kPromptSub);
  engine::RandomStream output_rng(seed, kRequestStream, kOutputSub);
  std::vector<Request> out;
  out.reserve(arrivals.size());
  for (const SimTime t : arrivals) {
    const std::int64_t p = prompt.draw(prompt_rng);
    out.push_back({t, p, output.draw(output_rng)});
  }
  return out;
}

double check_rate(double rate_per_s) {
  if (!std::isfinite(rate_per_s) || rate_per_s <= 0) {
    throw std::invalid_argument(
        fmt::format("request rate {} per second: expected a finite rate > 0", rate_per_s));
  }
  return 1.0 / rate_per_s;
}

/// A gap of the process in ticks, rounded to nearest (TimeError if it does not fit).
SimTime gap(engine::RandomStream& rng, double mean_gap_s) {
  return SimTime::from_seconds(rng.exponential(mean_gap_s));
}

// ---------------------------------------------------------------------------------------
// Trace parsing.

/// ".fffffffff" at text[pos...] (if present) as ticks; advances pos. Empty with `error`
/// set when the fraction is empty or longer than a tick resolves.
std::optional<std::int64_t> fraction_ticks(std::string_view text, std::size_t& pos,
                                           std::string& error) {
  if (!units::scan_char(text, pos, '.')) {
    return 0;
  }
  std::int64_t ticks = 0;
  int n = 0;
  while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
    if (n == kMaxFractionDigits) {
      error = fmt::format("more than {} fractional digits: finer than the 1 ns tick",
                          kMaxFractionDigits);
      return std::nullopt;
    }
    ticks = ticks * 10 + (text[pos] - '0');
    ++n;
    ++pos;
  }
  if (n == 0) {
    error = "no digits after the decimal point";
    return std::nullopt;
  }
  for (int i = n; i < kMaxFractionDigits; ++i) {
    ticks *= 10;
  }
  return ticks;
}

/// "2023-11-16 18:17:03.9799600" (no zone, taken as UTC) as ticks since 1970-01-01.
std::optional<std::int64_t> parse_trace_timestamp(std::string_view text, std::string& error) {
  constexpr std::string_view kExpected = "expected YYYY-MM-DD HH:MM:SS.fffffff";
  std::size_t pos = 0;
  const auto year = units::scan_digits(text, pos, 4);
  const bool dash1 = units::scan_char(text, pos, '-');
  const auto month = units::scan_digits(text, pos, 2);
  const bool dash2 = units::scan_char(text, pos, '-');
  const auto day = units::scan_digits(text, pos, 2);
  const bool sep = units::scan_char(text, pos, ' ') || units::scan_char(text, pos, 'T');
  const auto hour = units::scan_digits(text, pos, 2);
  const bool colon1 = units::scan_char(text, pos, ':');
  const auto minute = units::scan_digits(text, pos, 2);
  const bool colon2 = units::scan_char(text, pos, ':');
  const auto second = units::scan_digits(text, pos, 2);
  if (!year || !dash1 || !month || !dash2 || !day || !sep || !hour || !colon1 || !minute ||
      !colon2 || !second) {
    error = std::string(kExpected);
    return std::nullopt;
  }
  const auto frac = fraction_ticks(text, pos, error);
  if (!frac) {
    return std::nullopt;
  }
  units::scan_char(text, pos, 'Z');
  if (pos != text.size()) {
    error = fmt::format("unexpected '{}' after the time: {} (no zone, taken as UTC)",
                        text.substr(pos), kExpected);
    return std::nullopt;
  }
  if (*month < 1 || *month > kMonths) {
    error = fmt::format("month {} is not 1-12", *month);
    return std::nullopt;
  }
  if (*day < 1 || *day > units::days_in_month(*year, *month)) {
    error = fmt::format("day {} does not exist in {:04}-{:02}", *day, *year, *month);
    return std::nullopt;
  }
  if (*hour > kLastHour || *minute > kLastMinute || *second > kLastSecond) {
    error = fmt::format("time {:02}:{:02}:{:02} is not a time of day (00:00:00-23:59:59)", *hour,
                        *minute, *second);
    return std::nullopt;
  }
  const std::int64_t s = units::days_from_civil(*year, *month, *day) * units::kWholeSecondsPerDay +
                         *hour * units::kWholeSecondsPerHour +
                         *minute * units::kWholeSecondsPerMinute + *second;
  // Ticks since 1970 must fit simulated time's integer (about 1678 to 2262).
  constexpr std::int64_t kMaxSeconds = SimTime::max().count() / SimTime::kTicksPerSecond - 1;
  if (s > kMaxSeconds || s < -kMaxSeconds) {
    error = fmt::format("year {} is outside the years simulated time can hold (1678-2261)", *year);
    return std::nullopt;
  }
  return s * SimTime::kTicksPerSecond + *frac;
}

/// "12.5" (seconds, >= 0, up to 9 fractional digits) as ticks, exactly.
std::optional<std::int64_t> parse_seconds(std::string_view text, std::string& error) {
  constexpr std::string_view kExpected = "expected a number of seconds >= 0 like 12.5";
  std::size_t pos = 0;
  std::int64_t whole = 0;
  const auto* end = text.data() + text.size();
  const auto [p, ec] = std::from_chars(text.data(), end, whole);
  if (ec != std::errc() || p == text.data() || text.front() == '-') {
    error = text.starts_with('-') ? std::string("negative time: expected seconds >= 0")
                                  : std::string(kExpected);
    return std::nullopt;
  }
  pos = static_cast<std::size_t>(p - text.data());
  const auto frac = fraction_ticks(text, pos, error);
  if (!frac) {
    return std::nullopt;
  }
  if (pos != text.size()) {
    error = std::string(kExpected);
    return std::nullopt;
  }
  if (whole > (SimTime::max().count() - *frac) / SimTime::kTicksPerSecond) {
    error = "too far: beyond the simulator's range of about 292 years";
    return std::nullopt;
  }
  return whole * SimTime::kTicksPerSecond + *frac;
}

/// A whole number of tokens >= 1 in `cell`; reported under `key` otherwise.
std::optional<std::int64_t> read_tokens(const csv::Row& row, const csv::Cell& cell,
                                        std::string_view key, Diagnostics& diag) {
  std::int64_t v = 0;
  const auto* end = cell.text.data() + cell.text.size();
  const auto [p, ec] = std::from_chars(cell.text.data(), end, v);
  if (cell.text.empty() || ec != std::errc() || p != end) {
    diag.error(row.line, cell.column, std::string(key),
               fmt::format("'{}' is not a whole number: expected a token count >= 1",
                           csv::shown(cell.text)));
    return std::nullopt;
  }
  if (v < 1) {
    diag.error(row.line, cell.column, std::string(key),
               fmt::format("{} tokens: expected a token count >= 1", v));
    return std::nullopt;
  }
  return v;
}

struct Columns {
  std::string_view time;
  std::string_view prompt;
  std::string_view output;
  bool absolute = false;  ///< timestamps (Azure) rather than seconds from the start
};

constexpr Columns kAzure{"TIMESTAMP", "ContextTokens", "GeneratedTokens", true};
constexpr Columns kFootprint{"arrival_s", "prompt_tokens", "output_tokens", false};

}  // namespace

TokenLength TokenLength::fixed(std::int64_t n) {
  if (n < 1) {
    throw std::invalid_argument(fmt::format("fixed length {} tokens: expected >= 1", n));
  }
  return TokenLength(Fixed{n});
}

TokenLength TokenLength::log_normal(double mean, double sd) {
  if (!std::isfinite(mean) || mean <= 0) {
    throw std::invalid_argument(
        fmt::format("log-normal length mean {}: expected a finite mean > 0 tokens", mean));
  }
  if (!std::isfinite(sd) || sd < 0) {
    throw std::invalid_argument(
        fmt::format("log-normal length sd {}: expected a finite sd >= 0 tokens", sd));
  }
  // A log-normal with underlying normal N(mu, sigma^2) has mean exp(mu + sigma^2/2) and
  // variance (exp(sigma^2) - 1) mean^2; solved for mu and sigma:
  //   sigma^2 = ln(1 + sd^2/mean^2),  mu = ln(mean) - sigma^2/2.
  const double sigma2 = std::log1p((sd / mean) * (sd / mean));
  return TokenLength(LogNormal{mean, sd, std::log(mean) - sigma2 / 2, std::sqrt(sigma2)});
}

TokenLength TokenLength::uniform(std::int64_t min, std::int64_t max) {
  if (min < 1 || max < min) {
    throw std::invalid_argument(
        fmt::format("uniform length [{}, {}] tokens: expected 1 <= min <= max", min, max));
  }
  return TokenLength(Uniform{min, max});
}

std::int64_t TokenLength::draw(engine::RandomStream& rng) const {
  if (const auto* f = std::get_if<Fixed>(&spec_)) {
    return f->n;
  }
  if (const auto* u = std::get_if<Uniform>(&spec_)) {
    const auto span = static_cast<std::uint64_t>(u->max - u->min) + 1;
    return u->min + static_cast<std::int64_t>(rng.below(span));
  }
  const auto& ln = std::get<LogNormal>(spec_);
  const double x = std::exp(ln.mu + ln.sigma * rng.normal());
  return std::max<std::int64_t>(1, std::llround(std::min(x, kMaxDrawnTokens)));
}

std::vector<Request> all_at_once(std::int64_t count, SimTime start, const TokenLength& prompt,
                                 const TokenLength& output, std::uint64_t seed) {
  if (count < 0) {
    throw std::invalid_argument(fmt::format("{} requests: expected a count >= 0", count));
  }
  return with_lengths(std::vector<SimTime>(static_cast<std::size_t>(count), start), prompt, output,
                      seed);
}

namespace {

/// Every request `source` gives, in order.
std::vector<Request> drain(PoissonSource& source) {
  std::vector<Request> out;
  while (auto q = source.next()) {
    out.push_back(*q);
  }
  return out;
}

}  // namespace

std::vector<Request> poisson(double rate_per_s, std::int64_t count, SimTime start,
                             const TokenLength& prompt, const TokenLength& output,
                             std::uint64_t seed) {
  PoissonSource source(rate_per_s, nullptr, 0, count, SimTime::max(), start, prompt, output, seed,
                       0);
  return drain(source);
}

std::vector<Request> poisson_until(double rate_per_s, SimTime until, SimTime start,
                                   const TokenLength& prompt, const TokenLength& output,
                                   std::uint64_t seed) {
  PoissonSource source(rate_per_s, nullptr, 0, std::nullopt, until, start, prompt, output, seed, 0);
  return drain(source);
}

std::vector<Request> poisson_profiled(double rate_per_s, const LoadProfile& profile,
                                      std::int64_t epoch_unix_s, std::optional<std::int64_t> count,
                                      SimTime until, SimTime start, const TokenLength& prompt,
                                      const TokenLength& output, std::uint64_t seed) {
  PoissonSource source(rate_per_s, &profile, epoch_unix_s, count, until, start, prompt, output,
                       seed, 0);
  return drain(source);
}

PoissonSource::PoissonSource(double rate_per_s, const LoadProfile* profile,
                             std::int64_t epoch_unix_s, std::optional<std::int64_t> count,
                             SimTime until, SimTime start, TokenLength prompt, TokenLength output,
                             std::uint64_t seed, std::int64_t sequence)
    : rate_(rate_per_s),
      profile_(profile),
      epoch_(epoch_unix_s),
      count_(count),
      until_(until),
      t_(start),
      prompt_(prompt),
      output_(output),
      arrivals_(seed, kRequestStream, kArrivalSub),
      prompts_(seed, kRequestStream, kPromptSub),
      outputs_(seed, kRequestStream, kOutputSub),
      sequence_(sequence) {
  check_rate(rate_per_s);
  if (count && *count < 0) {
    throw std::invalid_argument(fmt::format("{} requests: expected a count >= 0", *count));
  }
  if (!count && until < start) {
    throw std::invalid_argument(
        fmt::format("Poisson requests until {} s, before their start {} s: expected until >= "
                    "start",
                    until.to_seconds(), start.to_seconds()));
  }
}

std::optional<SimTime> PoissonSource::arrival() {
  if (done_ || (count_ && drawn_ == *count_)) {
    done_ = true;
    return std::nullopt;
  }
  if (profile_ == nullptr) {
    // As poisson() and poisson_until().
    const SimTime g = gap(arrivals_, 1.0 / rate_);
    if (count_) {
      if (g > SimTime::max() - t_) {
        throw engine::TimeError("Poisson arrivals beyond the simulator's range of about 292 years");
      }
    } else if (g > until_ - t_) {
      done_ = true;
      return std::nullopt;
    }
    t_ += g;
    ++drawn_;
    return t_;
  }
  // As poisson_profiled().
  const SimTime::rep per_s = SimTime::kTicksPerSecond;
  double need = arrivals_.exponential(1.0);
  for (;;) {
    if (!count_ && t_ >= until_) {
      done_ = true;
      return std::nullopt;
    }
    const std::int64_t u = epoch_ + t_.count() / per_s;
    const auto step = profile_->at(u);
    const std::int64_t step_end_s = step.end_s - epoch_;
    if (step_end_s > SimTime::max().count() / per_s) {
      throw engine::TimeError("Poisson arrivals beyond the simulator's range of about 292 years");
    }
    const SimTime end = SimTime::ticks(step_end_s * per_s);
    const double rate = rate_ * step.multiplier;
    const double room = rate * (end - t_).to_seconds();
    if (rate > 0 && need <= room) {
      t_ = std::min(end, t_ + SimTime::from_seconds(need / rate));
      break;
    }
    need -= room;
    t_ = end;
  }
  if (!count_ && t_ > until_) {
    done_ = true;
    return std::nullopt;
  }
  ++drawn_;
  return t_;
}

std::optional<Request> PoissonSource::next() {
  while (const auto t = arrival()) {
    const std::int64_t p = prompt_.draw(prompts_);
    const std::int64_t o = output_.draw(outputs_);
    if (sequence_ > 0 && p + o > sequence_) {
      ++rejected_;
      continue;
    }
    return Request{*t, p, o};
  }
  return std::nullopt;
}

std::vector<Request> load_request_trace(const std::filesystem::path& path, SimTime start) {
  Diagnostics diag(path.string());
  const auto table = csv::Table::read(
      path, diag,
      "a header TIMESTAMP,ContextTokens,GeneratedTokens (Azure LLM inference trace) or "
      "arrival_s,prompt_tokens,output_tokens");
  const Columns& names = table.optional_column(kAzure.time, diag) ? kAzure : kFootprint;
  const auto time_col = table.column(names.time, diag);
  const auto prompt_col = table.column(names.prompt, diag);
  const auto output_col = table.column(names.output, diag);
  if (!time_col || !prompt_col || !output_col) {
    diag.throw_if_any();
  }
  if (table.rows().empty()) {
    diag.error(table.header_line(), 1, "", "no requests after the header: expected at least one");
    diag.throw_if_any();
  }

  std::vector<Request> out;
  out.reserve(table.rows().size());
  std::optional<std::int64_t> first;  // the first row's time, in ticks
  std::optional<std::int64_t> latest;
  int latest_line = 0;
  for (const auto& row : table.rows()) {
    if (!table.complete(row, diag)) {
      continue;
    }
    const csv::Cell& tc = row.cells[*time_col];
    std::string why;
    const auto t =
        names.absolute ? parse_trace_timestamp(tc.text, why) : parse_seconds(tc.text, why);
    const auto p = read_tokens(row, row.cells[*prompt_col], names.prompt, diag);
    const auto o = read_tokens(row, row.cells[*output_col], names.output, diag);
    if (!t) {
      diag.error(row.line, tc.column, std::string(names.time),
                 fmt::format("bad time '{}': {}", csv::shown(tc.text), why));
      continue;
    }
    if (latest && *t < *latest) {
      diag.error(row.line, tc.column, std::string(names.time),
                 fmt::format("time goes backwards: '{}' is before line {}'s; expected "
                             "non-decreasing times (the file is not sorted)",
                             csv::shown(tc.text), latest_line));
      continue;
    }
    latest = *t;
    latest_line = row.line;
    if (!first) {
      first = names.absolute ? *t : 0;
    }
    if (!p || !o) {
      continue;
    }
    const std::int64_t since = *t - *first;
    if (since > SimTime::max().count() - start.count()) {
      diag.error(row.line, tc.column, std::string(names.time),
                 "arrival beyond the simulator's range of about 292 years");
      continue;
    }
    out.push_back({start + SimTime::ticks(since), *p, *o});
  }
  diag.throw_if_any();
  return out;
}

RequestFilter filter_by_sequence(std::vector<Request>& requests, std::int64_t sequence) {
  if (sequence < 1) {
    throw std::invalid_argument(fmt::format("sequence length {} tokens: expected >= 1", sequence));
  }
  const auto kept = std::remove_if(requests.begin(), requests.end(), [&](const Request& r) {
    return r.prompt_tokens > sequence - r.output_tokens;
  });
  const auto rejected = static_cast<std::int64_t>(requests.end() - kept);
  requests.erase(kept, requests.end());
  return {static_cast<std::int64_t>(requests.size()), rejected};
}

}  // namespace footprint::models
