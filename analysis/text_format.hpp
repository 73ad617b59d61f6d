// Text output shared by the reports (report, sweep_report, compare): JSON strings and
// numbers (NaN as null), CSV fields and numbers (17 significant digits, NaN as "NaN").
#pragma once

#include <cmath>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace footprint::analysis {

inline std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

/// JSON has no NaN: unknown values are null.
inline std::string json_number(double v) {
  return std::isfinite(v) ? fmt::format("{:.17g}", v) : "null";
}

inline std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) {
    return s;
  }
  std::string out = "\"";
  for (const char c : s) {
    out += c == '"' ? std::string("\"\"") : std::string(1, c);
  }
  return out + "\"";
}

inline std::string csv_number(double v) {
  return std::isnan(v) ? "NaN" : fmt::format("{:.17g}", v);
}

}  // namespace footprint::analysis
