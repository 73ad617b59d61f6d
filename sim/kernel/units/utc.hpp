// UTC timestamps as text: the one parser for the scenario's epoch and for every time
// column of a data file (grid series, weather), and the one formatter of their messages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace footprint::units {

/// Parses ISO-8601 UTC: "YYYY-MM-DDTHH:MM[:SS[.000]]" ('t' or a space may replace the
/// 'T') followed by "Z", "z", "+00:00", "-00:00", "+0000" or "+00". Returns unix seconds,
/// or empty with `error` set to what is wrong ("no time zone: timestamps must be UTC ...",
/// "month 13 is not 1-12", "day 30 does not exist in 2022-02", ...).
[[nodiscard]] std::optional<std::int64_t> parse_utc_timestamp(std::string_view text,
                                                              std::string& error);

/// "2022-03-13T07:00:00Z".
[[nodiscard]] std::string format_utc(std::int64_t t_s);

/// Scanning helpers of the UTC parser, shared with other timestamp formats: exactly `n`
/// decimal digits at text[pos...], or the character `c` there; each advances `pos` on
/// success.
[[nodiscard]] std::optional<int> scan_digits(std::string_view text, std::size_t& pos,
                                             std::size_t n);
bool scan_char(std::string_view text, std::size_t& pos, char c);

}  // namespace footprint::units
