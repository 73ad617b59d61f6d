#include "sim/kernel/csv/csv.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <system_error>
#include <utility>

#include <fmt/format.h>

namespace footprint::csv {

namespace {

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && is_space(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

std::vector<Cell> split_cells(std::string_view line) {
  std::vector<Cell> cells;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = line.find(',', start);
    const std::string_view raw = line.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    std::string_view t = trim(raw);
    if (t.size() >= 2 && t.front() == '"' && t.back() == '"') {
      t = trim(t.substr(1, t.size() - 2));
    }
    cells.push_back({t, static_cast<int>(start) + 1});
    if (comma == std::string_view::npos) {
      break;
    }
    start = comma + 1;
  }
  return cells;
}

std::string read_whole(const std::filesystem::path& path, Diagnostics& diag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diag.error("", "cannot open the file for reading");
    diag.throw_if_any();
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) {
    diag.error("", "cannot read the file");
    diag.throw_if_any();
  }
  return std::move(ss).str();
}

}  // namespace

Table Table::read(const std::filesystem::path& path, Diagnostics& diag, std::string_view expected) {
  Table table = parse(read_whole(path, diag));
  if (table.header_line() == 0) {
    diag.error(1, 1, "",
               fmt::format("empty file: expected a header line ({}) and data rows", expected));
    diag.throw_if_any();
  }
  return table;
}

Table Table::parse(std::string text) {
  Table table;
  table.text_ = std::make_unique<const std::string>(std::move(text));
  std::string_view rest = *table.text_;
  if (rest.starts_with(kByteOrderMark)) {
    rest.remove_prefix(kByteOrderMark.size());
  }
  int line = 0;
  while (!rest.empty()) {
    const std::size_t nl = rest.find('\n');
    const std::string_view raw = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    ++line;
    const std::string_view content = trim(raw);
    if (content.empty() || content.front() == '#') {
      continue;
    }
    if (table.header_line_ == 0) {
      table.header_line_ = line;
      table.header_ = split_cells(raw);
    } else {
      table.rows_.push_back({line, split_cells(raw)});
    }
  }
  return table;
}

std::string Table::header_names() const {
  std::string s;
  for (const auto& c : header_) {
    s += s.empty() ? "" : ", ";
    s += c.text;
  }
  return s;
}

std::optional<std::size_t> Table::optional_column(std::string_view name, Diagnostics& diag) const {
  std::optional<std::size_t> found;
  for (std::size_t i = 0; i < header_.size(); ++i) {
    if (!same_name(header_[i].text, name)) {
      continue;
    }
    if (found) {
      diag.error(header_line_, header_[i].column, std::string(name),
                 fmt::format("column '{}' appears more than once", name));
      return std::nullopt;
    }
    found = i;
  }
  return found;
}

std::optional<std::size_t> Table::column(std::string_view name, Diagnostics& diag) const {
  const auto before = diag.items().size();
  if (const auto found = optional_column(name, diag)) {
    return found;
  }
  if (diag.items().size() != before) {
    return std::nullopt;  // named twice, already reported
  }
  std::vector<std::string> names;
  names.reserve(header_.size());
  for (const auto& c : header_) {
    names.emplace_back(c.text);
  }
  const std::string guess = closest_match(name, names);
  diag.error(
      header_line_, 1, std::string(name),
      fmt::format("missing column '{}': expected a header naming it (found: {}){}", name,
                  header_names(), guess.empty() ? "" : fmt::format("; did you mean '{}'?", guess)));
  return std::nullopt;
}

std::vector<Cell> Table::check_near_misses(const std::vector<std::string>& known,
                                           const std::vector<std::string>& optional,
                                           Diagnostics& diag) const {
  std::vector<Cell> ignored;
  const auto in = [](std::string_view name, const std::vector<std::string>& names) {
    return std::any_of(names.begin(), names.end(),
                       [&](const std::string& n) { return same_name(name, n); });
  };
  std::vector<std::string> absent;
  for (const auto& o : optional) {
    if (std::none_of(header_.begin(), header_.end(),
                     [&](const Cell& c) { return same_name(c.text, o); })) {
      absent.push_back(o);
    }
  }
  for (const auto& c : header_) {
    if (c.text.empty() || in(c.text, known)) {
      continue;
    }
    const std::string guess = closest_match(c.text, absent);
    if (!guess.empty()) {
      diag.error(header_line_, c.column, std::string(shown(c.text)),
                 fmt::format("unknown column '{}': did you mean '{}'?", shown(c.text), guess));
    } else {
      ignored.push_back(c);
    }
  }
  return ignored;
}

bool Table::complete(const Row& row, Diagnostics& diag) const {
  if (row.cells.size() >= header_.size()) {
    return true;
  }
  diag.error(row.line, 1, "",
             fmt::format("expected {} comma-separated fields as in the header, found {}",
                         header_.size(), row.cells.size()));
  return false;
}

std::string shown(std::string_view text) {
  if (text.size() <= kShownCharacters) {
    return std::string(text);
  }
  std::size_t n = kShownCharacters;
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0U) == 0x80U) {
    --n;  // not inside a UTF-8 sequence
  }
  return fmt::format("{}... ({} characters)", text.substr(0, n), text.size());
}

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::optional<double> parse_number(std::string_view text) {
  if (!text.empty() && text.front() == '+') {
    text.remove_prefix(1);  // from_chars does not take one
  }
  if (text.empty()) {
    return std::nullopt;
  }
  double v = 0.0;
  const char* end = text.data() + text.size();
  const auto [p, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc{} || p != end || !std::isfinite(v)) {
    return std::nullopt;
  }
  return v;
}

std::optional<double> read_number(const Row& row, const Cell& cell, std::string_view key,
                                  std::string_view expected, Diagnostics& diag) {
  if (cell.text.empty()) {
    diag.error(row.line, cell.column, std::string(key),
               fmt::format("the cell is empty: expected {}", expected));
    return std::nullopt;
  }
  const auto v = parse_number(cell.text);
  if (!v) {
    diag.error(row.line, cell.column, std::string(key),
               fmt::format("'{}' is not a number: expected {}", shown(cell.text), expected));
  }
  return v;
}

}  // namespace footprint::csv
