#include "sim/kernel/units/utc.hpp"

#include <cctype>

#include <fmt/format.h>

#include "sim/kernel/units/calendar.hpp"
#include "sim/kernel/units/time_constants.hpp"

namespace footprint::units {

namespace {

constexpr int kLastHour = 23;
constexpr int kLastMinute = 59;
constexpr int kLastSecond = 59;
constexpr int kMonths = 12;
constexpr std::size_t kYearDigits = 4;
constexpr std::size_t kFieldDigits = 2;
constexpr std::string_view kExpected = "expected ISO-8601 UTC like 2022-01-01T00:00:00Z";

struct Fields {
  int year = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
};

/// ":SS" and an all-zero fraction after it, if present; false (and `error`) otherwise.
bool read_seconds(std::string_view text, std::size_t& pos, Fields& f, std::string& error) {
  if (!scan_char(text, pos, ':')) {
    return true;
  }
  const auto s = scan_digits(text, pos, kFieldDigits);
  if (!s) {
    error = std::string(kExpected);
    return false;
  }
  f.second = *s;
  if (!scan_char(text, pos, '.') && !scan_char(text, pos, ',')) {
    return true;
  }
  bool any = false;
  while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
    if (text[pos] != '0') {
      error = "fractional seconds are not supported: expected whole seconds";
      return false;
    }
    any = true;
    ++pos;
  }
  if (!any) {
    error = std::string(kExpected);
  }
  return any;
}

/// The date and time of day, up to the zone; false (and `error`) when malformed.
bool read_fields(std::string_view text, std::size_t& pos, Fields& f, std::string& error) {
  const auto year = scan_digits(text, pos, kYearDigits);
  const bool dash1 = scan_char(text, pos, '-');
  const auto month = scan_digits(text, pos, kFieldDigits);
  const bool dash2 = scan_char(text, pos, '-');
  const auto day = scan_digits(text, pos, kFieldDigits);
  if (!year || !dash1 || !month || !dash2 || !day) {
    error = std::string(kExpected);
    return false;
  }
  if (!scan_char(text, pos, 'T') && !scan_char(text, pos, 't') && !scan_char(text, pos, ' ')) {
    error = fmt::format("no time of day: {}", kExpected);
    return false;
  }
  const auto hour = scan_digits(text, pos, kFieldDigits);
  const bool colon = scan_char(text, pos, ':');
  const auto minute = scan_digits(text, pos, kFieldDigits);
  if (!hour || !colon || !minute) {
    error = std::string(kExpected);
    return false;
  }
  f = {*year, *month, *day, *hour, *minute, 0};
  return read_seconds(text, pos, f, error);
}

bool check_zone(std::string_view zone, std::string& error) {
  if (zone.empty()) {
    error = "no time zone: timestamps must be UTC (end in Z or +00:00)";
    return false;
  }
  if (zone == "Z" || zone == "z" || zone == "+00:00" || zone == "-00:00" || zone == "+0000" ||
      zone == "+00") {
    return true;
  }
  const bool offset = (zone.front() == '+' || zone.front() == '-') && zone.size() >= 3 &&
                      std::isdigit(static_cast<unsigned char>(zone[1])) != 0;
  error = offset ? fmt::format("offset {}: timestamps must be UTC (end in Z or +00:00)", zone)
                 : fmt::format("unexpected '{}' after the time: {}", zone, kExpected);
  return false;
}

bool check_ranges(const Fields& f, std::string& error) {
  if (f.month < 1 || f.month > kMonths) {
    error = fmt::format("month {} is not 1-12", f.month);
    return false;
  }
  if (f.day < 1 || f.day > days_in_month(f.year, f.month)) {
    error = fmt::format("day {} does not exist in {:04}-{:02}", f.day, f.year, f.month);
    return false;
  }
  if (f.hour > kLastHour || f.minute > kLastMinute || f.second > kLastSecond) {
    error = fmt::format("time {:02}:{:02}:{:02} is not a time of day (00:00:00-23:59:59)", f.hour,
                        f.minute, f.second);
    return false;
  }
  return true;
}

}  // namespace

std::optional<std::int64_t> parse_utc_timestamp(std::string_view text, std::string& error) {
  std::size_t pos = 0;
  Fields f;
  if (!read_fields(text, pos, f, error) || !check_zone(text.substr(pos), error) ||
      !check_ranges(f, error)) {
    return std::nullopt;
  }
  return days_from_civil(f.year, f.month, f.day) * kWholeSecondsPerDay +
         f.hour * kWholeSecondsPerHour + f.minute * kWholeSecondsPerMinute + f.second;
}

std::string format_utc(std::int64_t t_s) {
  const std::int64_t days = floor_div(t_s, kWholeSecondsPerDay);
  const std::int64_t sod = t_s - days * kWholeSecondsPerDay;
  const CivilDate d = civil_from_days(days);
  return fmt::format(
      "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", d.year, d.month, d.day, sod / kWholeSecondsPerHour,
      (sod % kWholeSecondsPerHour) / kWholeSecondsPerMinute, sod % kWholeSecondsPerMinute);
}

std::optional<int> scan_digits(std::string_view text, std::size_t& pos, std::size_t n) {
  if (pos + n > text.size()) {
    return std::nullopt;
  }
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    v = v * 10 + (c - '0');
  }
  pos += n;
  return v;
}

bool scan_char(std::string_view text, std::size_t& pos, char c) {
  if (pos < text.size() && text[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

}  // namespace footprint::units
