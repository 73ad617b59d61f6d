// docs/trace-format.md against the trace schema (sim/kernel/schema/trace_schema.hpp):
// each documented table of the trace's columns and attributes must list the schema's
// rows, in the schema's (the file's) order, with the same type, unit and meaning.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/kernel/schema/trace_schema.hpp"

namespace {

using Row = std::vector<std::string>;
using MarkdownTable = std::vector<Row>;

std::string trim(std::string_view s) {
  const auto a = s.find_first_not_of(' ');
  if (a == std::string_view::npos) {
    return {};
  }
  const auto b = s.find_last_not_of(' ');
  return std::string(s.substr(a, b - a + 1));
}

/// "| a | b |" -> {"a", "b"}.
Row cells(const std::string& line) {
  Row out;
  std::size_t a = 1;
  for (auto b = line.find('|', a); b != std::string::npos; b = line.find('|', a)) {
    out.push_back(trim(std::string_view(line).substr(a, b - a)));
    a = b + 1;
  }
  return out;
}

/// The tables of the section headed `heading` ("## `/jobs`"), in order, without their
/// header and separator rows.
std::vector<MarkdownTable> tables_under(const std::string& heading) {
  std::ifstream in(std::string(FOOTPRINT_SOURCE_DIR) + "/docs/trace-format.md");
  REQUIRE(in);
  std::vector<MarkdownTable> tables;
  bool inside = false;
  bool in_table = false;
  std::size_t header_rows = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("## ", 0) == 0) {
      inside = line == heading;
      continue;
    }
    const bool table_line = inside && line.rfind('|', 0) == 0;
    if (table_line && !in_table) {
      tables.emplace_back();
      header_rows = 0;
    }
    in_table = table_line;
    if (table_line && header_rows++ >= 2) {
      tables.back().push_back(cells(line));
    }
  }
  return tables;
}

/// "`x`" -> "x"; "(`\"\"`)" (the docs' empty unit of a text column) -> "".
std::string unquote(const std::string& s) {
  if (s == "(`\"\"`)") {
    return {};
  }
  if (s.size() >= 2 && s.front() == '`' && s.back() == '`') {
    return s.substr(1, s.size() - 2);
  }
  return s;
}

/// The documented columns of each row, by position in the docs' table.
struct Columns {
  std::size_t name = 0;
  std::optional<std::size_t> type;
  std::size_t unit = 0;
  std::size_t meaning = 0;
};

template <std::size_t N>
void check(const MarkdownTable& doc, const std::array<footprint::schema::Field, N>& schema,
           const Columns& c) {
  for (std::size_t i = 0; i < std::max(doc.size(), N); ++i) {
    INFO("row " << i);
    REQUIRE(i < doc.size());  // the docs list fewer rows than the schema
    REQUIRE(i < N);           // the docs list a row the schema lacks: doc.at(i)[0]
    const auto& row = doc[i];
    const auto& f = schema[i];
    INFO("schema " << f.name << ", docs " << row.at(c.name));
    CHECK(unquote(row.at(c.name)) == f.name);
    if (c.type) {
      CHECK(row.at(*c.type) == footprint::schema::type_name(f.type));
    }
    CHECK(unquote(row.at(c.unit)) == f.unit);
    CHECK(row.at(c.meaning) == f.meaning);
  }
}

constexpr Columns kAttributeColumns{.name = 0, .type = 1, .unit = 2, .meaning = 3};

}  // namespace

namespace schema = footprint::schema;

TEST_CASE("docs: root attributes are the schema's", "[schema][docs]") {
  const auto tables = tables_under("## Root attributes");
  REQUIRE(tables.size() == 1);
  check(tables[0], schema::kRootAttributes, kAttributeColumns);
}

TEST_CASE("docs: /datacenters/<name>/ attributes and series are the schema's", "[schema][docs]") {
  const auto tables = tables_under("## `/datacenters/<name>/`");
  REQUIRE(tables.size() == 3);
  SECTION("attributes") {
    check(tables[0], schema::kDatacenterAttributes, kAttributeColumns);
  }
  SECTION("time coordinate") {
    check(tables[1], schema::kTimeCoordinates, kAttributeColumns);
  }
  SECTION("series") {
    check(tables[2], schema::kDatacenterSeries, {.name = 0, .unit = 1, .meaning = 2});
  }
}

TEST_CASE("docs: /datacenters/<name>/supply attributes and series are the schema's",
          "[schema][docs]") {
  const auto tables = tables_under("## `/datacenters/<name>/supply`");
  REQUIRE(tables.size() == 3);
  SECTION("attributes") {
    check(tables[0], schema::kSupplyAttributes, kAttributeColumns);
  }
  SECTION("time coordinate") {
    check(tables[1], schema::kTimeCoordinates, kAttributeColumns);
  }
  SECTION("series") {
    check(tables[2], schema::kSupplySeries, {.name = 0, .unit = 1, .meaning = 2});
  }
}

TEST_CASE("docs: /regions/<name>/ attributes are the schema's", "[schema][docs]") {
  const auto tables = tables_under("## `/regions/<name>/`");
  REQUIRE(tables.size() == 1);
  check(tables[0], schema::kRegionAttributes, kAttributeColumns);
}

TEST_CASE("docs: /jobs columns are the schema's", "[schema][docs]") {
  const auto tables = tables_under("## `/jobs`");
  REQUIRE(tables.size() == 1);
  check(tables[0], schema::kJobColumns, kAttributeColumns);
}

TEST_CASE("docs: /summary attributes are the schema's", "[schema][docs]") {
  const auto tables = tables_under("## `/summary`");
  REQUIRE(tables.size() == 2);
  SECTION("run") {
    check(tables[0], schema::kSummaryAttributes, kAttributeColumns);
  }
  SECTION("comparison with FIFO") {
    check(tables[1], schema::kFifoComparisonAttributes, kAttributeColumns);
  }
}

TEST_CASE("docs: /summary/comparison attributes are the schema's", "[schema][docs]") {
  const auto tables = tables_under("## `/summary/comparison`");
  REQUIRE(tables.size() == 1);
  check(tables[0], schema::kComparisonAttributes, kAttributeColumns);
}

TEST_CASE("docs: /predicted/<job name> attributes and tables are the schema's", "[schema][docs]") {
  const auto tables = tables_under("## `/predicted/<job name>`");
  REQUIRE(tables.size() == 3);
  SECTION("attributes") {
    check(tables[0], schema::kPredictedAttributes, kAttributeColumns);
  }
  SECTION("expected_step") {
    check(tables[1], schema::kExpectedStepColumns, kAttributeColumns);
  }
  SECTION("phases") {
    check(tables[2], schema::kSimulatedPhaseColumns, kAttributeColumns);
  }
}

TEST_CASE("docs: /services/<name>/ attributes, series and requests are the schema's",
          "[schema][docs]") {
  const auto tables = tables_under("## `/services/<name>/`");
  REQUIRE(tables.size() == 3);
  SECTION("attributes") {
    check(tables[0], schema::kServiceAttributes, kAttributeColumns);
  }
  SECTION("series") {
    check(tables[1], schema::kServiceSeries, {.name = 0, .unit = 1, .meaning = 2});
  }
  SECTION("requests") {
    check(tables[2], schema::kRequestColumns, kAttributeColumns);
  }
}
