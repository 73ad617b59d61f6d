// One reader for every CSV file Footprint takes (grid series, weather, job traces): a
// header row naming the columns, found by name in any order; data rows split at commas;
// numeric cells read with the file, line and column of each problem, collected in
// Diagnostics so that a file's problems are reported together.
//
// Accepted: a UTF-8 byte-order mark, \n or \r\n line ends, blank lines and lines starting
// with '#' (skipped everywhere, the header included), spaces around cells, and a cell in
// double quotes (the quotes are removed; a quoted cell may not hold a comma). Column names
// match case-insensitively; extra columns are ignored, and so are extra cells in a row.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/kernel/diagnostics/diagnostics.hpp"

namespace footprint::csv {

struct Cell {
  std::string_view text;  ///< trimmed, quotes removed
  int column = 1;         ///< 1-based character column where the cell starts
};

struct Row {
  int line = 0;  ///< 1-based line in the file
  std::vector<Cell> cells;
};

class Table {
 public:
  /// Reads `path` whole. A file that cannot be opened or read is reported in `diag` and
  /// thrown at once (nothing else can be said about it); an empty one is reported too,
  /// with `expected` describing the header it should have, and thrown.
  static Table read(const std::filesystem::path& path, Diagnostics& diag,
                    std::string_view expected);
  /// The same, from text already read.
  static Table parse(std::string text);

  /// 0 when the text holds no header (nothing but blank and comment lines).
  [[nodiscard]] int header_line() const { return header_line_; }
  [[nodiscard]] const std::vector<Cell>& header() const { return header_; }
  [[nodiscard]] const std::vector<Row>& rows() const { return rows_; }
  /// "timestamp_utc, gco2_per_kwh": the header's names, for messages.
  [[nodiscard]] std::string header_names() const;

  /// The index of the column named `name` (case-insensitive). A missing column is
  /// reported, with the closest name of the header as a suggestion, and so is a column
  /// named twice.
  std::optional<std::size_t> column(std::string_view name, Diagnostics& diag) const;
  /// The same for an optional column: nullopt, and nothing reported, when it is absent.
  std::optional<std::size_t> optional_column(std::string_view name, Diagnostics& diag) const;

  /// Each column of the header that is none of `known` but a near miss of one of
  /// `optional` the header lacks ("slak_s" for "slack_s") is reported with its suggestion:
  /// read as an unknown column, the optional one would silently take its default. (A near
  /// miss of a required column is reported by column() as missing, with the suggestion.)
  /// Returns the other columns that are none of `known` (the ones a loader ignores).
  std::vector<Cell> check_near_misses(const std::vector<std::string>& known,
                                      const std::vector<std::string>& optional,
                                      Diagnostics& diag) const;

  /// False, and a problem reported, when `row` has fewer cells than the header.
  bool complete(const Row& row, Diagnostics& diag) const;

 private:
  std::unique_ptr<const std::string> text_;  // cells view it: its address must not move
  int header_line_ = 0;
  std::vector<Cell> header_;
  std::vector<Row> rows_;
};

/// At most kShownCharacters of `text`, then "...": a cell as a message echoes it (a bad cell
/// may be megabytes long).
inline constexpr std::size_t kShownCharacters = 60;
[[nodiscard]] std::string shown(std::string_view text);

/// Whether two column names are the same name (case-insensitive, as Table::column matches).
[[nodiscard]] bool same_name(std::string_view a, std::string_view b);

/// A finite number, with an optional leading '+'; nullopt for anything else.
[[nodiscard]] std::optional<double> parse_number(std::string_view text);

/// The number in `cell` of `row`: nullopt, with a problem reported at the cell under
/// `key`, when it is empty or not a finite number. `expected` says what belongs there
/// ("a non-negative intensity in g CO2e/kWh").
std::optional<double> read_number(const Row& row, const Cell& cell, std::string_view key,
                                  std::string_view expected, Diagnostics& diag);

}  // namespace footprint::csv
