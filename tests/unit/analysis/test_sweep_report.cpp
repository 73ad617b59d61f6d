// Sweep reports: reading index.h5 (docs/sweeps.md) and the statistics rendered from it.
//
// The fixture index has 2 axes: `datacenters[name=dc].pue` (1.1, 1.5) and the zipped group
// `grid` (regions[name=r].intensity with regions[name=r].cfe: "400 g/kWh" with "0 %", "80
// g/kWh" with "60 %"), 3 replicas, 12 points. Combinations, in point order (first axis
// slowest), and the replicas' values of the three metrics the tests check:
//
//   combo  pue  grid       energy_mwh   emissions_location_t   jobs_finished
//   c0     1.1  400, 0 %   10 11 12     4 4 4                  5 5 5
//   c1     1.1  80, 60 %   10 12 14     1 1 1                  4 5 6
//   c2     1.5  400, 0 %   14 15 16     5 6 7                  5 5 5
//   c3     1.5  80, 60 %   15 15 15     1 2 3                  5 5 5
//
// 95 % CI half-width = t(0.975, n-1) x s / sqrt(n). For n = 3, t(0.975, 2) = 4.30265273, so
// s = 1 gives 4.30265273 / sqrt(3) = 2.48413771 and s = 2 gives 4.96827542. Expected values
// are exact to the digits written; the tolerance (relative 1e-7) covers their rounding.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>
#include <catch2/catch.hpp>

#include "analysis/sweep_report.hpp"
#include "sim/kernel/diagnostics/diagnostics.hpp"
#include "sim/kernel/hdf5/hdf5.hpp"

namespace fs = std::filesystem;
using footprint::analysis::axis_effects;
using footprint::analysis::filter_points;
using footprint::analysis::is_sweep_index;
using footprint::analysis::paired_differences;
using footprint::analysis::paired_stat;
using footprint::analysis::read_sweep_index;
using footprint::analysis::render_sweep;
using footprint::analysis::select_metrics;
using footprint::analysis::summarise_sweep;
using footprint::analysis::SweepIndex;
using footprint::analysis::SweepReportOptions;
using footprint::analysis::t_quantile_975;
using footprint::io::H5Error;

namespace {

constexpr double kRel = 1e-7;

class TempDir {
 public:
  TempDir() {
    std::random_device seed;
    path_ = fs::temp_directory_path() / ("footprint-analysis-test-" + std::to_string(::getpid()) +
                                         "-" + std::to_string(seed()));
    fs::create_directories(path_);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

constexpr const char* kPue = "datacenters[name=dc].pue";
constexpr const char* kIntensity = "regions[name=r].intensity";
constexpr const char* kCfe = "regions[name=r].cfe";

/// How to spoil the fixture index.
struct Spoil {
  bool no_points = false;
  bool no_axis_groups = false;
  bool axis_not_a_column = false;  ///< `axes` names a column that /points lacks
  std::string shard;               ///< written as the `shard` attribute when not empty
  bool common_seeds = false;       ///< replica r's seed the same at every combination
};

/// Writes the fixture index as docs/sweeps.md specifies it.
void write_index(const fs::path& path, const Spoil& spoil = {}) {
  const std::vector<double> energy = {10, 11, 12, 10, 12, 14, 14, 15, 16, 15, 15, 15};
  const std::vector<double> location = {4, 4, 4, 1, 1, 1, 5, 6, 7, 1, 2, 3};
  const std::vector<std::int64_t> jobs = {5, 5, 5, 4, 5, 6, 5, 5, 5, 5, 5, 5};
  const std::vector<std::string> pue_values = {"1.1", "1.5"};
  const std::vector<std::string> intensity_values = {"400 g/kWh", "80 g/kWh"};
  const std::vector<std::string> cfe_values = {"0 %", "60 %"};

  std::vector<std::int64_t> point;
  std::vector<std::int64_t> replica;
  std::vector<std::uint64_t> seed;
  std::vector<std::string> file;
  std::vector<std::string> sha;
  std::vector<std::string> pue;
  std::vector<std::string> intensity;
  std::vector<std::string> cfe;
  std::vector<double> it_energy;
  std::vector<double> pue_metric;
  std::vector<double> market;
  std::vector<double> other;
  for (std::size_t p = 0; p < 12; ++p) {
    const std::size_t combo = p / 3;  // replicas vary fastest
    point.push_back(static_cast<std::int64_t>(p));
    replica.push_back(static_cast<std::int64_t>(p % 3));
    seed.push_back(0x9e3779b97f4a7c15ULL + (spoil.common_seeds ? p % 3 : p));
    file.push_back("points/p" + std::string(5, '0') + std::to_string(p) + ".h5");
    sha.push_back(std::string(63, 'a') + static_cast<char>('0' + p % 10));
    pue.push_back(pue_values[combo / 2]);  // the first axis varies slowest
    intensity.push_back(intensity_values[combo % 2]);
    cfe.push_back(cfe_values[combo % 2]);
    it_energy.push_back(energy[p] / 1.25);
    pue_metric.push_back(1.25);
    market.push_back(location[p] / 2);
    other.push_back(1.0);
  }

  auto f = footprint::io::File::create(path);
  auto root = f.root();
  root.set_attr("kind", "footprint-sweep-index");
  root.set_attr("format_version", "1");
  root.set_attr("sweep", "sweep: test\n");
  root.set_attr("sweep_name", "test");
  root.set_attr("sweep_sha256", std::string(64, '0'));
  root.set_attr("base_scenario", "base.yaml");
  root.set_attr("points_total", std::int64_t{12});
  root.set_attr("replicas", std::int64_t{3});
  std::vector<std::string> axes = {kPue, kIntensity, kCfe};
  std::vector<std::string> groups = {kPue, "grid", "grid"};
  if (spoil.axis_not_a_column) {
    axes.emplace_back("scheduler.policy");
    groups.emplace_back("scheduler.policy");
  }
  root.set_attr_strings("axes", axes);
  if (!spoil.no_axis_groups) {
    root.set_attr_strings("axis_groups", groups);
  }
  if (!spoil.shard.empty()) {
    root.set_attr("shard", spoil.shard);
  }
  if (spoil.no_points) {
    return;
  }
  footprint::io::TableWriter t;
  t.add_int64_column("point", point);
  t.add_int64_column("replica", replica);
  t.add_uint64_column("seed", seed);
  t.add_string_column("file", file);
  t.add_string_column("scenario_sha256", sha);
  t.add_string_column(kPue, pue);
  t.add_string_column(kIntensity, intensity);
  t.add_string_column(kCfe, cfe);
  t.add_double_column("energy_mwh", energy, "MWh");
  t.add_double_column("it_energy_mwh", it_energy, "MWh");
  t.add_double_column("pue", pue_metric, "1");
  t.add_double_column("emissions_location_t", location, "t");
  t.add_double_column("emissions_market_t", market, "t");
  t.add_double_column("embodied_t", other, "t");
  t.add_double_column("device_hours", other, "h");
  t.add_double_column("days", other, "d");
  t.add_int64_column("jobs_finished", jobs);
  t.add_double_column("mean_wait_h", other, "h");
  t.add_double_column("peak_facility_mw", other, "MW");
  t.add_double_column("p99_facility_mw", other, "MW");
  t.write(root, "points");
}

// --- CSV ---------------------------------------------------------------------------------

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, ',')) {
    out.push_back(cell);
  }
  return out;
}

/// CSV rows as maps from header name to cell (no quoted fields in these tests).
std::vector<std::map<std::string, std::string>> parse_csv(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  const auto header = split(line);
  std::vector<std::map<std::string, std::string>> rows;
  while (std::getline(in, line)) {
    const auto cells = split(line);
    REQUIRE(cells.size() == header.size());
    std::map<std::string, std::string> row;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      row[header[i]] = cells[i];
    }
    rows.push_back(row);
  }
  return rows;
}

double num(const std::map<std::string, std::string>& row, const std::string& column) {
  const auto it = row.find(column);
  REQUIRE(it != row.end());
  return std::stod(it->second);
}

// --- a minimal JSON reader, strict enough to reject invalid output ------------------------

struct Json {
  enum class Kind { null, boolean, number, string, array, object };
  Kind kind = Kind::null;
  bool boolean = false;
  double number = 0;
  std::string text;
  std::vector<Json> items;        ///< array items, or object values
  std::vector<std::string> keys;  ///< object keys, parallel to items

  const Json& operator[](std::string_view key) const {
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (keys[i] == key) {
        return items[i];
      }
    }
    throw std::out_of_range("no JSON key " + std::string(key));
  }
  const Json& operator[](std::size_t i) const { return items.at(i); }
  bool is_null() const { return kind == Kind::null; }
};

class JsonReader {
 public:
  explicit JsonReader(std::string_view s) : s_(s) {}
  Json document() {
    Json v = value();
    space();
    if (i_ != s_.size()) {
      throw std::runtime_error("JSON: trailing text");
    }
    return v;
  }

 private:
  void space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t')) {
      ++i_;
    }
  }
  void expect(char c) {
    space();
    if (i_ >= s_.size() || s_[i_] != c) {
      throw std::runtime_error(std::string("JSON: expected ") + c + " at " + std::to_string(i_));
    }
    ++i_;
  }
  bool accept(char c) {
    space();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  bool word(std::string_view w) {
    if (s_.substr(i_, w.size()) == w) {
      i_ += w.size();
      return true;
    }
    return false;
  }
  std::string string() {
    expect('"');
    std::string out;
    while (i_ < s_.size() && s_[i_] != '"') {
      if (s_[i_] == '\\') {
        ++i_;
      }
      out += s_.at(i_++);
    }
    expect('"');
    return out;
  }
  Json value() {
    space();
    Json v;
    if (i_ >= s_.size()) {
      throw std::runtime_error("JSON: unexpected end");
    }
    const char c = s_[i_];
    if (c == '{') {
      v.kind = Json::Kind::object;
      ++i_;
      if (!accept('}')) {
        do {
          v.keys.push_back(string());
          expect(':');
          v.items.push_back(value());
        } while (accept(','));
        expect('}');
      }
    } else if (c == '[') {
      v.kind = Json::Kind::array;
      ++i_;
      if (!accept(']')) {
        do {
          v.items.push_back(value());
        } while (accept(','));
        expect(']');
      }
    } else if (c == '"') {
      v.kind = Json::Kind::string;
      v.text = string();
    } else if (word("null")) {
      v.kind = Json::Kind::null;
    } else if (word("true") || word("false")) {
      v.kind = Json::Kind::boolean;
      v.boolean = s_[i_ - 1] == 'e' && s_[i_ - 2] == 'u';
    } else {
      v.kind = Json::Kind::number;
      std::size_t used = 0;
      v.number = std::stod(std::string(s_.substr(i_, 40)), &used);
      if (used == 0) {
        throw std::runtime_error("JSON: bad number");
      }
      i_ += used;
    }
    return v;
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

Json parse_json(const std::string& text) {
  return JsonReader(text).document();
}

}  // namespace

TEST_CASE("t quantiles match published tables", "[analysis][sweep]") {
  // Two-sided 95 % critical values, NIST/SEMATECH e-Handbook 1.3.6.7.2 (3 decimals, so
  // tolerance 5e-4).
  CHECK(t_quantile_975(1) == Approx(12.706).margin(5e-4));
  CHECK(t_quantile_975(2) == Approx(4.303).margin(5e-4));
  CHECK(t_quantile_975(3) == Approx(3.182).margin(5e-4));
  CHECK(t_quantile_975(5) == Approx(2.571).margin(5e-4));
  CHECK(t_quantile_975(10) == Approx(2.228).margin(5e-4));
  CHECK(t_quantile_975(20) == Approx(2.086).margin(5e-4));
  CHECK(t_quantile_975(30) == Approx(2.042).margin(5e-4));
  // Beyond the table, the Cornish-Fisher expansion: the same table's rows 35, 40, 60, 100 and
  // the normal limit (1.960).
  CHECK(t_quantile_975(35) == Approx(2.030).margin(5e-4));
  CHECK(t_quantile_975(40) == Approx(2.021).margin(5e-4));
  CHECK(t_quantile_975(60) == Approx(2.000).margin(5e-4));
  CHECK(t_quantile_975(100) == Approx(1.984).margin(5e-4));
  CHECK(t_quantile_975(1000000) == Approx(1.960).margin(5e-4));
  // Decreasing in df, with no jump where the table ends.
  for (std::int64_t df = 1; df < 200; ++df) {
    CHECK(t_quantile_975(df + 1) < t_quantile_975(df));
  }
  CHECK(std::isnan(t_quantile_975(0)));
}

TEST_CASE("a sweep index is read back whole", "[analysis][sweep]") {
  TempDir dir;
  const auto path = dir / "index.h5";
  write_index(path);
  CHECK(is_sweep_index(path));
  const SweepIndex index = read_sweep_index(path);
  CHECK(index.sweep_name == "test");
  CHECK(index.points_total == 12);
  CHECK(index.replicas == 3);
  CHECK(index.shard.empty());
  CHECK(index.axes == std::vector<std::string>{kPue, kIntensity, kCfe});
  CHECK(index.axis_groups == std::vector<std::string>{kPue, "grid", "grid"});
  // Every float64 and int64 column after the fixed ones, in column order, with units.
  REQUIRE(index.metrics.size() == 12);
  CHECK(index.metrics[0].name == "energy_mwh");
  CHECK(index.metrics[0].units == "MWh");
  CHECK_FALSE(index.metrics[0].integer);
  CHECK(index.metrics[3].name == "emissions_location_t");
  CHECK(index.metrics[3].units == "t");
  CHECK(index.metrics[8].name == "jobs_finished");
  CHECK(index.metrics[8].integer);
  CHECK(index.metrics[8].units.empty());
  REQUIRE(index.points.size() == 12);
  const auto& p = index.points[7];  // c2, replica 1
  CHECK(p.point == 7);
  CHECK(p.replica == 1);
  CHECK(p.seed == 0x9e3779b97f4a7c15ULL + 7);
  CHECK(p.file == "points/p000007.h5");
  CHECK(p.scenario_sha256 == std::string(63, 'a') + "7");
  CHECK(p.axis_values == std::vector<std::string>{"1.5", "400 g/kWh", "0 %"});
  CHECK(p.metrics[0] == 15.0);
  CHECK(p.metrics[3] == 6.0);
  CHECK(p.metrics[8] == 5.0);

  write_index(dir / "shard.h5", {.shard = "1/4"});
  CHECK(read_sweep_index(dir / "shard.h5").shard == "1/4");
}

TEST_CASE("a run trace is not a sweep index; a text file is not HDF5", "[analysis][sweep]") {
  TempDir dir;
  {
    auto f = footprint::io::File::create(dir / "run.h5");
    auto root = f.root();
    root.set_attr("format_version", "1");
    root.set_attr("scenario_name", "x");
  }
  CHECK_FALSE(is_sweep_index(dir / "run.h5"));
  CHECK_THROWS_AS(read_sweep_index(dir / "run.h5"), H5Error);
  {
    std::ofstream out(dir / "notes.txt");
    out << "not hdf5\n";
  }
  CHECK_THROWS_AS(is_sweep_index(dir / "notes.txt"), H5Error);
  CHECK_THROWS_AS(is_sweep_index(dir / "missing.h5"), H5Error);
}

TEST_CASE("a malformed index is rejected with a message naming the problem", "[analysis][sweep]") {
  TempDir dir;
  write_index(dir / "a.h5", {.no_points = true});
  CHECK_THROWS_WITH(read_sweep_index(dir / "a.h5"), Catch::Contains("missing table '/points'"));
  write_index(dir / "b.h5", {.no_axis_groups = true});
  CHECK_THROWS_WITH(read_sweep_index(dir / "b.h5"),
                    Catch::Contains("missing root attribute 'axis_groups'"));
  write_index(dir / "c.h5", {.axis_not_a_column = true});
  CHECK_THROWS_WITH(read_sweep_index(dir / "c.h5"),
                    Catch::Contains("'scheduler.policy'") && Catch::Contains("not a column"));
  CHECK_THROWS_AS(read_sweep_index(dir / "c.h5"), H5Error);
}

TEST_CASE("per-combination means and t-based confidence intervals (CSV)", "[analysis][sweep]") {
  TempDir dir;
  write_index(dir / "index.h5");
  const auto index = read_sweep_index(dir / "index.h5");
  const auto rows = parse_csv(render_sweep(index, {.format = "csv"}));
  REQUIRE(rows.size() == 4);
  // Rows in point order: c0..c3.
  CHECK(rows[0].at(kPue) == "1.1");
  CHECK(rows[0].at(kIntensity) == "400 g/kWh");
  CHECK(rows[0].at(kCfe) == "0 %");
  CHECK(rows[1].at(kIntensity) == "80 g/kWh");
  CHECK(rows[3].at(kPue) == "1.5");
  for (const auto& r : rows) {
    CHECK(r.at("n") == "3");
  }
  const std::string e = "energy_mwh (MWh)";
  const std::string eci = "energy_mwh ci95 (MWh)";
  const std::string l = "emissions_location_t (t)";
  const std::string lci = "emissions_location_t ci95 (t)";
  // energy: means 33/3, 36/3, 45/3, 45/3; s = 1, 2, 1, 0.
  CHECK(num(rows[0], e) == Approx(11.0).epsilon(kRel));
  CHECK(num(rows[0], eci) == Approx(2.48413771).epsilon(kRel));  // 4.30265273 x 1 / sqrt 3
  CHECK(num(rows[1], e) == Approx(12.0).epsilon(kRel));
  CHECK(num(rows[1], eci) == Approx(4.96827542).epsilon(kRel));  // 4.30265273 x 2 / sqrt 3
  CHECK(num(rows[2], e) == Approx(15.0).epsilon(kRel));
  CHECK(num(rows[2], eci) == Approx(2.48413771).epsilon(kRel));
  CHECK(num(rows[3], e) == Approx(15.0).epsilon(kRel));
  CHECK(num(rows[3], eci) == 0.0);  // three equal values
  // location-based emissions: means 4, 1, 6, 2; s = 0, 0, 1, 1.
  CHECK(num(rows[0], l) == Approx(4.0).epsilon(kRel));
  CHECK(num(rows[0], lci) == 0.0);
  CHECK(num(rows[1], l) == Approx(1.0).epsilon(kRel));
  CHECK(num(rows[2], l) == Approx(6.0).epsilon(kRel));
  CHECK(num(rows[2], lci) == Approx(2.48413771).epsilon(kRel));
  CHECK(num(rows[3], l) == Approx(2.0).epsilon(kRel));
  CHECK(num(rows[3], lci) == Approx(2.48413771).epsilon(kRel));
  // An int64 metric: jobs_finished of c1 = 4, 5, 6: mean 5, s = 1.
  CHECK(num(rows[1], "jobs_finished") == Approx(5.0).epsilon(kRel));
  CHECK(num(rows[1], "jobs_finished ci95") == Approx(2.48413771).epsilon(kRel));
  // A unitless-but-dimensioned metric keeps its unit.
  CHECK(num(rows[0], "pue (1)") == Approx(1.25).epsilon(kRel));
}

TEST_CASE("grouping by an axis pools the other axes and replicas", "[analysis][sweep]") {
  TempDir dir;
  write_index(dir / "index.h5");
  const auto index = read_sweep_index(dir / "index.h5");
  SECTION("by a zipped group's name: both its paths are the key") {
    const auto rows = parse_csv(render_sweep(index, {.group_by = {"grid"}, .format = "csv"}));
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].count(kPue) == 0);
    CHECK(rows[0].at(kIntensity) == "400 g/kWh");
    CHECK(rows[0].at(kCfe) == "0 %");
    CHECK(rows[0].at("n") == "6");
    // 400 g/kWh = c0 + c2: energy 10 11 12 14 15 16, mean 78/6 = 13, squared deviations
    // 9+4+1+1+4+9 = 28, s^2 = 28/5 = 5.6; t(0.975, 5) = 2.57058184;
    // half-width = 2.57058184 x sqrt(5.6/6) = 2.57058184 x 0.966091783 = 2.48341799.
    CHECK(num(rows[0], "energy_mwh (MWh)") == Approx(13.0).epsilon(kRel));
    CHECK(num(rows[0], "energy_mwh ci95 (MWh)") == Approx(2.48341799).epsilon(kRel));
    // 80 g/kWh = c1 + c3: energy 10 12 14 15 15 15, mean 81/6 = 13.5, squared deviations
    // 12.25+2.25+0.25+3x2.25 = 21.5, s^2 = 4.3; 2.57058184 x sqrt(4.3/6) = 2.17615606.
    CHECK(num(rows[1], "energy_mwh (MWh)") == Approx(13.5).epsilon(kRel));
    CHECK(num(rows[1], "energy_mwh ci95 (MWh)") == Approx(2.17615606).epsilon(kRel));
  }
  SECTION("by an axis path") {
    const auto rows = parse_csv(render_sweep(index, {.group_by = {kPue}, .format = "csv"}));
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].at(kPue) == "1.1");
    CHECK(rows[0].count(kIntensity) == 0);
    // 1.1 = c0 + c1: 10 11 12 10 12 14, mean 69/6 = 11.5, squared deviations
    // 2.25+0.25+0.25+2.25+0.25+6.25 = 11.5, s^2 = 2.3; 2.57058184 x sqrt(2.3/6) = 1.59154795.
    CHECK(num(rows[0], "energy_mwh (MWh)") == Approx(11.5).epsilon(kRel));
    CHECK(num(rows[0], "energy_mwh ci95 (MWh)") == Approx(1.59154795).epsilon(kRel));
    // 1.5 = c2 + c3: 14 15 16 15 15 15, mean 15, squared deviations 2, s^2 = 0.4;
    // 2.57058184 x sqrt(0.4/6) = 0.663721376.
    CHECK(num(rows[1], "energy_mwh (MWh)") == Approx(15.0).epsilon(kRel));
    CHECK(num(rows[1], "energy_mwh ci95 (MWh)") == Approx(0.663721376).epsilon(kRel));
  }
  SECTION("an unknown axis lists the valid names") {
    CHECK_THROWS_AS(render_sweep(index, {.group_by = {"nope"}}), footprint::InputError);
    CHECK_THROWS_WITH(render_sweep(index, {.group_by = {"nope"}}),
                      Catch::Contains("nope") && Catch::Contains(kPue) && Catch::Contains("grid"));
  }
}

TEST_CASE("sorting by a metric or an axis", "[analysis][sweep]") {
  TempDir dir;
  write_index(dir / "index.h5");
  const auto index = read_sweep_index(dir / "index.h5");
  const auto order = [&](const SweepReportOptions& o) {
    std::vector<std::string> keys;
    for (const auto& row : summarise_sweep(index, o).rows) {
      keys.push_back(row.axis_values[0] + "/" + row.axis_values[1]);
    }
    return keys;
  };
  // Energy means: c0 11, c1 12, c2 15, c3 15; the tie keeps point order.
  CHECK(order({.sort_by = "energy_mwh", .descending = true}) ==
        std::vector<std::string>{"1.5/400 g/kWh", "1.5/80 g/kWh", "1.1/80 g/kWh", "1.1/400 g/kWh"});
  // Location-based means: c0 4, c1 1, c2 6, c3 2.
  CHECK(order({.sort_by = "emissions_location_t"}) ==
        std::vector<std::string>{"1.1/80 g/kWh", "1.5/80 g/kWh", "1.1/400 g/kWh", "1.5/400 g/kWh"});
  // Axis values order by their leading number: 80 g/kWh before 400 g/kWh (as text, "400"
  // would come first).
  CHECK(order({.sort_by = kIntensity}) ==
        std::vector<std::string>{"1.1/80 g/kWh", "1.5/80 g/kWh", "1.1/400 g/kWh", "1.5/400 g/kWh"});
  CHECK(order({.sort_by = "grid", .descending = true}) ==
        std::vector<std::string>{"1.1/400 g/kWh", "1.5/400 g/kWh", "1.1/80 g/kWh", "1.5/80 g/kWh"});
  CHECK(order({.sort_by = kPue, .descending = true}) ==
        std::vector<std::string>{"1.5/400 g/kWh", "1.5/80 g/kWh", "1.1/400 g/kWh", "1.1/80 g/kWh"});
  // The CSV follows the same order.
  const auto rows = parse_csv(render_sweep(index, {.sort_by = "energy_mwh", .format = "csv"}));
  CHECK(num(rows.front(), "energy_mwh (MWh)") == Approx(11.0).epsilon(kRel));
  CHECK(num(rows.back(), "energy_mwh (MWh)") == Approx(15.0).epsilon(kRel));

  CHECK_THROWS_AS(render_sweep(index, {.sort_by = "energy"}), footprint::InputError);
  CHECK_THROWS_WITH(render_sweep(index, {.sort_by = "energy"}),
                    Catch::Contains("'energy'") && Catch::Contains("energy_mwh") &&
                        Catch::Contains(kPue) && Catch::Contains("jobs_finished"));
  // A pooled axis is not a column of the grouped rows.
  CHECK_THROWS_AS(render_sweep(index, {.sort_by = kPue, .group_by = {"grid"}}),
                  footprint::InputError);
  CHECK_THROWS_AS(render_sweep(index, {.format = "xml"}), std::invalid_argument);
}

TEST_CASE("main effect of each axis", "[analysis][sweep]") {
  TempDir dir;
  write_index(dir / "index.h5");
  const auto index = read_sweep_index(dir / "index.h5");
  // energy: overall mean 159/12 = 13.25. pue: 1.1 -> 69/6 = 11.5, 1.5 -> 90/6 = 15, effect
  // 3.5 = 26.4150943 % of 13.25. grid: 400 -> 78/6 = 13, 80 -> 81/6 = 13.5, effect 0.5 =
  // 3.77358491 %. Ranked: pue, grid.
  const auto energy = axis_effects(index, "energy_mwh");
  REQUIRE(energy.size() == 2);
  CHECK(energy[0].axis == kPue);
  CHECK(energy[0].levels == 2);
  CHECK(energy[0].effect == Approx(3.5).epsilon(kRel));
  CHECK(energy[0].percent == Approx(26.4150943).epsilon(kRel));
  CHECK(energy[0].lowest == "1.1");
  CHECK(energy[0].highest == "1.5");
  CHECK(energy[1].axis == "grid");
  CHECK(energy[1].paths == std::vector<std::string>{kIntensity, kCfe});
  CHECK(energy[1].effect == Approx(0.5).epsilon(kRel));
  CHECK(energy[1].percent == Approx(3.77358491).epsilon(kRel));
  CHECK(energy[1].highest == "80 g/kWh; 60 %");

  // location-based: overall mean 39/12 = 3.25. grid: 400 -> 30/6 = 5, 80 -> 9/6 = 1.5,
  // effect 3.5 = 107.692308 %; pue: 1.1 -> 15/6 = 2.5, 1.5 -> 24/6 = 4, effect 1.5 =
  // 46.1538462 %. Ranked: grid, pue.
  const auto json = parse_json(render_sweep(index, {.format = "json"}));
  const auto& effects = json["effects"];
  REQUIRE(effects.items.size() == 4);  // 2 metrics x 2 axes
  CHECK(effects[0]["metric"].text == "energy_mwh");
  CHECK(effects[0]["axis"].text == kPue);
  CHECK(effects[2]["metric"].text == "emissions_location_t");
  CHECK(effects[2]["units"].text == "t");
  CHECK(effects[2]["axis"].text == "grid");
  CHECK(effects[2]["overall_mean"].number == Approx(3.25).epsilon(kRel));
  CHECK(effects[2]["effect"].number == Approx(3.5).epsilon(kRel));
  CHECK(effects[2]["effect_percent"].number == Approx(107.692308).epsilon(kRel));
  CHECK(effects[2]["lowest_mean"].number == Approx(1.5).epsilon(kRel));
  CHECK(effects[2]["highest_mean"].number == Approx(5.0).epsilon(kRel));
  CHECK(effects[3]["axis"].text == kPue);
  CHECK(effects[3]["effect"].number == Approx(1.5).epsilon(kRel));
  CHECK(effects[3]["effect_percent"].number == Approx(46.1538462).epsilon(kRel));

  CHECK_THROWS_AS(axis_effects(index, "nope"), footprint::InputError);
}

TEST_CASE("JSON rows: numbers as numbers", "[analysis][sweep]") {
  TempDir dir;
  write_index(dir / "index.h5");
  const auto index = read_sweep_index(dir / "index.h5");
  const auto json = parse_json(render_sweep(index, {.format = "json"}));
  CHECK(json["sweep"].text == "test");
  CHECK(json["points"].number == 12);
  const auto& rows = json["rows"];
  REQUIRE(rows.items.size() == 4);
  CHECK(rows[1]["axes"][kIntensity].text == "80 g/kWh");
  CHECK(rows[1]["n"].number == 3);
  CHECK(rows[1]["mean"]["energy_mwh"].number == Approx(12.0).epsilon(kRel));
  CHECK(rows[1]["ci95"]["energy_mwh"].number == Approx(4.96827542).epsilon(kRel));
  CHECK(json["metrics"][0]["units"].text == "MWh");
}

TEST_CASE("a single run has no interval", "[analysis][sweep]") {
  SweepIndex index;
  index.sweep_name = "one";
  index.points_total = 2;
  index.replicas = 1;
  index.axes = {"scheduler.policy"};
  index.axis_groups = {"scheduler.policy"};
  index.metrics = {{"energy_mwh", "MWh", false}, {"emissions_location_t", "t", false}};
  index.points.push_back({0, 0, 1, "points/p000000.h5", "", {"fifo"}, {2.0, 1.0}});
  index.points.push_back({1, 0, 2, "points/p000001.h5", "", {"carbon-aware"}, {2.0, 0.5}});

  const auto rows = parse_csv(render_sweep(index, {.format = "csv"}));
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].at("n") == "1");
  CHECK(rows[0].at("energy_mwh ci95 (MWh)") == "NaN");
  const auto json = parse_json(render_sweep(index, {.format = "json"}));
  CHECK(json["rows"][0]["ci95"]["energy_mwh"].is_null());
  CHECK(json["rows"][0]["mean"]["energy_mwh"].number == 2.0);
  const auto table = render_sweep(index, {});
  CHECK_THAT(table, Catch::Contains("2 ± -"));
  // Effects: location 1 vs 0.5 around a mean of 0.75 -> 0.5 = 66.7 %; energy 0 %.
  CHECK_THAT(table, Catch::Contains("effect of each axis on energy_mwh (MWh)"));
  CHECK_THAT(table, Catch::Contains("66.7 %"));
}

TEST_CASE("the table shows units, intervals and the effects", "[analysis][sweep]") {
  TempDir dir;
  write_index(dir / "index.h5");
  const auto table = render_sweep(read_sweep_index(dir / "index.h5"), {});
  CHECK_THAT(table, Catch::Contains("energy_mwh (MWh)"));
  CHECK_THAT(table, Catch::Contains("emissions_location_t (t)"));
  CHECK_THAT(table, Catch::Contains("11 ± 2.48"));
  CHECK_THAT(table, Catch::Contains("effect of each axis on emissions_location_t (t)"));
  CHECK_THAT(table, Catch::Contains("108 %"));
  // The four rows after the header line have the same length: aligned columns.
  std::istringstream in(table);
  std::string line;
  while (std::getline(in, line) && line.rfind(kPue, 0) != 0) {
  }
  std::vector<std::size_t> widths;
  for (int i = 0; i < 4 && std::getline(in, line); ++i) {
    widths.push_back(line.size());
  }
  REQUIRE(widths.size() == 4);
  for (const auto w : widths) {
    CHECK(w == widths.front());
  }
}

// --- --where and --paired ----------------------------------------------------------------

namespace {

/// The message of the InputError `f` throws ("" if it throws nothing or something else).
template <class F>
std::string input_error(F&& f) {
  try {
    f();
  } catch (const footprint::InputError& e) {
    return e.diagnostics().front().message;
  } catch (...) {
    return "(another exception)";
  }
  return "";
}

std::size_t metric(const SweepIndex& index, const std::string& name) {
  for (std::size_t m = 0; m < index.metrics.size(); ++m) {
    if (index.metrics[m].name == name) {
      return m;
    }
  }
  FAIL("no metric " << name);
  return 0;
}

}  // namespace

TEST_CASE("where: --where keeps the points with the values given", "[analysis][sweep][where]") {
  TempDir dir;
  write_index(dir / "index.h5");
  const auto index = read_sweep_index(dir / "index.h5");
  // pue 1.1: combinations c0 and c1, points 0-5.
  auto kept = filter_points(index, {std::string(kPue) + "=1.1"});
  REQUIRE(kept.points.size() == 6);
  CHECK(kept.points.front().point == 0);
  CHECK(kept.points.back().point == 5);
  // Two values of one axis are alternatives; values of two axes both apply (a zipped
  // group's value is its paths' values joined by "; ").
  CHECK(filter_points(index, {std::string(kPue) + "=1.1", std::string(kPue) + "=1.5"})
            .points.size() == 12);
  kept = filter_points(index, {std::string(kPue) + "=1.1", "grid=80 g/kWh; 60 %"});
  REQUIRE(kept.points.size() == 3);
  CHECK(kept.points.front().point == 3);
  // A path of a zipped group filters by its own value.
  CHECK(filter_points(index, {std::string(kCfe) + "=60 %"}).points.size() == 6);

  // The summary of the filtered points: c1 alone, energy 10, 12, 14 (mean 12).
  SweepReportOptions o;
  o.format = "csv";
  o.where = {std::string(kPue) + "=1.1", "grid=80 g/kWh; 60 %"};
  const auto rows = parse_csv(render_sweep(index, o));
  REQUIRE(rows.size() == 1);
  CHECK(num(rows[0], "energy_mwh (MWh)") == Approx(12).epsilon(kRel));
  CHECK(num(rows[0], "n") == 3);
  o.format = "table";
  CHECK_THAT(render_sweep(index, o),
             Catch::Contains("sweep test: 3 points of 12 (3 replicas each)\n"
                             "filtered (--where): datacenters[name=dc].pue=1.1; grid=80 g/kWh; "
                             "60 %\n"));

  // Errors name the flag and what was expected.
  CHECK_THAT(input_error([&] { filter_points(index, {"scheduler.policy=fifo"}); }),
             Catch::Contains("--where 'scheduler.policy=fifo': expected AXIS=VALUE with AXIS one "
                             "of: datacenters[name=dc].pue, regions[name=r].intensity, "
                             "regions[name=r].cfe, grid"));
  CHECK_THAT(input_error([&] { filter_points(index, {std::string(kPue) + "=1.3"}); }),
             Catch::Contains("'1.3' is not a value of datacenters[name=dc].pue; expected one of: "
                             "'1.1', '1.5'"));
  CHECK_THAT(input_error([&] { filter_points(index, {std::string(kPue)}); }),
             Catch::Contains("expected AXIS=VALUE"));
}

TEST_CASE("metric: --metric shows only the metrics named, in that order",
          "[analysis][sweep][metric]") {
  TempDir dir;
  write_index(dir / "index.h5");
  const auto index = read_sweep_index(dir / "index.h5");
  const auto picked = select_metrics(index, {"pue", "energy_mwh"});
  REQUIRE(picked.metrics.size() == 2);
  CHECK(picked.metrics[0].name == "pue");
  CHECK(picked.metrics[1].name == "energy_mwh");
  REQUIRE(picked.points.size() == index.points.size());
  CHECK(picked.points[4].metrics ==
        std::vector<double>{index.points[4].metrics[2], index.points[4].metrics[0]});
  CHECK(select_metrics(index, {}).metrics.size() == index.metrics.size());

  // The CSV has their columns only; the effects of the ones that remain.
  SweepReportOptions o;
  o.format = "csv";
  o.metrics = {"energy_mwh"};
  const auto csv = render_sweep(index, o);
  CHECK_THAT(csv, Catch::StartsWith(std::string(kPue)) &&
                      Catch::Contains(",n,energy_mwh (MWh),energy_mwh ci95 (MWh)\n"));
  CHECK_THAT(csv, !Catch::Contains("pue ("));
  o.format = "table";
  const auto table = render_sweep(index, o);
  CHECK_THAT(table, Catch::Contains("energy_mwh") && !Catch::Contains("emissions_location_t"));

  CHECK_THAT(input_error([&] { select_metrics(index, {"energy"}); }),
             Catch::Contains("--metric 'energy': not a metric of sweep 'test'; expected one of: "
                             "'energy_mwh', 'it_energy_mwh'"));
}

TEST_CASE("paired differences equal a direct computation from the points",
          "[analysis][sweep][paired]") {
  // --paired pue=1.1,1.5 pairs c0 with c2 and c1 with c3, replica by replica:
  //   energy_mwh   c0 10 11 12 -> c2 14 15 16: differences 4 4 4: mean 4, sd 0
  //                c1 10 12 14 -> c3 15 15 15: differences 5 3 1: mean 3, sd 2,
  //                  t(0.975, 2) = 4.30265273, half-width 4.30265273 x 2 / sqrt(3) =
  //                  4.96827542: [-1.96827542, 7.96827542]
  //                all six: mean 3.5, sd sqrt(9.5 / 5) = 1.37840488, t(0.975, 5) =
  //                  2.57058184, half-width 2.57058184 x 1.37840488 / sqrt(6) = 1.44654720:
  //                  [2.05345280, 4.94654720]
  //   emissions_location_t  c0 4 4 4 -> c2 5 6 7: 1 2 3; c1 1 1 1 -> c3 1 2 3: 0 1 2;
  //                all six: mean 1.5, sd 1.04880885, half-width 1.10065739
  TempDir dir;
  write_index(dir / "index.h5", Spoil{.common_seeds = true});
  const auto index = read_sweep_index(dir / "index.h5");
  SweepReportOptions o;
  o.paired = std::string(kPue) + "=1.1,1.5";
  const auto ps = paired_differences(index, o);
  CHECK(ps.axis == kPue);
  CHECK(ps.paths == std::vector<std::string>{kPue});
  CHECK(ps.value_a == "1.1");
  CHECK(ps.value_b == "1.5");
  CHECK(ps.pairs == 6);
  CHECK(ps.pairs_sharing_seed == 6);
  CHECK(ps.axes == std::vector<std::string>{kIntensity, kCfe});
  CHECK(ps.pooled.empty());
  REQUIRE(ps.rows.size() == 3);
  const auto energy = metric(index, "energy_mwh");
  const auto location = metric(index, "emissions_location_t");

  const auto& r400 = ps.rows[0];
  CHECK(r400.axis_values == std::vector<std::string>{"400 g/kWh", "0 %"});
  CHECK(r400.n == 3);
  CHECK(r400.stats[energy].mean_a == Approx(11).epsilon(kRel));
  CHECK(r400.stats[energy].mean_b == Approx(15).epsilon(kRel));
  CHECK(r400.stats[energy].mean_diff == 4);
  CHECK(r400.stats[energy].sd == 0);
  CHECK(r400.stats[energy].ci95_low == 4);
  CHECK(r400.stats[energy].ci95_high == 4);

  const auto& r80 = ps.rows[1];
  CHECK(r80.axis_values == std::vector<std::string>{"80 g/kWh", "60 %"});
  CHECK(r80.stats[energy].mean_diff == Approx(3).epsilon(kRel));
  CHECK(r80.stats[energy].sd == Approx(2).epsilon(kRel));
  CHECK(r80.stats[energy].t975 == Approx(4.30265273).epsilon(kRel));
  CHECK(r80.stats[energy].ci95_low == Approx(-1.96827542).epsilon(kRel));
  CHECK(r80.stats[energy].ci95_high == Approx(7.96827542).epsilon(kRel));
  CHECK(r80.stats[location].mean_diff == Approx(1).epsilon(kRel));

  const auto& all = ps.rows[2];
  CHECK(all.all);
  CHECK(all.axis_values == std::vector<std::string>{"*", "*"});
  CHECK(all.n == 6);
  CHECK(all.stats[energy].mean_diff == Approx(3.5).epsilon(kRel));
  CHECK(all.stats[energy].sd == Approx(1.37840488).epsilon(kRel));
  CHECK(all.stats[energy].t975 == Approx(2.57058184).epsilon(kRel));
  CHECK(all.stats[energy].ci95_low == Approx(2.05345280).epsilon(kRel));
  CHECK(all.stats[energy].ci95_high == Approx(4.94654720).epsilon(kRel));
  CHECK(all.stats[location].mean_diff == Approx(1.5).epsilon(kRel));
  CHECK(all.stats[location].sd == Approx(1.04880885).epsilon(kRel));
  CHECK(all.stats[location].ci95_high - all.stats[location].mean_diff ==
        Approx(1.10065739).epsilon(kRel));

  // The same from paired_stat directly, and one pair has no interval.
  const auto direct = paired_stat({10, 12, 14}, {15, 15, 15});
  CHECK(direct.ci95_low == r80.stats[energy].ci95_low);
  const auto one = paired_stat({1}, {3});
  CHECK(one.mean_diff == 2);
  CHECK(std::isnan(one.sd));
  CHECK(std::isnan(one.ci95_low));
  CHECK(std::isnan(paired_stat({1, std::nan("")}, {3, 4}).mean_diff));
  CHECK_THROWS_AS(paired_stat({1, 2}, {3}), std::invalid_argument);

  // CSV: one line per row and metric; the all row's axes are "*".
  o.format = "csv";
  const auto csv = parse_csv(render_sweep(index, o));
  REQUIRE(csv.size() == 3 * index.metrics.size());
  const auto& line = csv[2 * index.metrics.size() + energy];
  CHECK(line.at(kIntensity) == "*");
  CHECK(line.at("metric") == "energy_mwh");
  CHECK(line.at("units") == "MWh");
  CHECK(num(line, "n") == 6);
  CHECK(num(line, "mean_diff") == Approx(3.5).epsilon(kRel));
  CHECK(num(line, "ci95_low") == Approx(2.05345280).epsilon(kRel));
  CHECK(num(line, "t975") == Approx(2.57058184).epsilon(kRel));

  // JSON.
  o.format = "json";
  const auto json = parse_json(render_sweep(index, o));
  CHECK(json["paired"]["a"].text == "1.1");
  CHECK(json["pairs"].number == 6);
  CHECK(json["pairs_sharing_seed"].number == 6);
  CHECK(json["rows"][2]["all"].boolean);
  CHECK(json["rows"][1]["stats"]["energy_mwh"]["ci95_high"].number ==
        Approx(7.96827542).epsilon(kRel));
  CHECK(json["rows"][0]["stats"]["energy_mwh"]["sd"].number == 0);

  // Table: the pairs, the seeds, the rows and the pooling said.
  o.format = "table";
  const auto table = render_sweep(index, o);
  CHECK_THAT(table, Catch::Contains("paired differences B - A over datacenters[name=dc].pue: "
                                    "A = 1.1, B = 1.5"));
  CHECK_THAT(table, Catch::Contains("each pair shares its seed (common random numbers)"));
  CHECK_THAT(table, Catch::Contains("regions[name=r].intensity=80 g/kWh, regions[name=r].cfe=60 % "
                                    "(n = 3; pooled: replicas)"));
  CHECK_THAT(table, Catch::Contains("all pairs (n = 6; pooled: regions[name=r].intensity, "
                                    "regions[name=r].cfe, replicas)"));
  CHECK_THAT(table, Catch::Contains("[+2.053, +4.947]"));
}

TEST_CASE("paired by a zipped group, grouped rows, and filtered first",
          "[analysis][sweep][paired]") {
  TempDir dir;
  write_index(dir / "index.h5");  // seeds differ from point to point
  const auto index = read_sweep_index(dir / "index.h5");
  const auto energy = metric(index, "energy_mwh");
  // grid 400 -> 80 at pue 1.1: c0 10 11 12 -> c1 10 12 14 (0 1 2); at 1.5: c2 14 15 16 ->
  // c3 15 15 15 (1 0 -1). All: mean 0.5, as by its path (the group changes together).
  for (const auto& paired : {std::string("grid=400 g/kWh; 0 %,80 g/kWh; 60 %"),
                             std::string(kIntensity) + "=400 g/kWh,80 g/kWh"}) {
    SweepReportOptions o;
    o.paired = paired;
    const auto ps = paired_differences(index, o);
    CHECK(ps.paths == std::vector<std::string>{kIntensity, kCfe});
    CHECK(ps.axes == std::vector<std::string>{kPue});
    REQUIRE(ps.rows.size() == 3);
    CHECK(ps.rows[0].stats[energy].mean_diff == Approx(1).epsilon(kRel));
    CHECK(ps.rows[1].stats[energy].mean_diff == 0);
    CHECK(ps.rows[2].stats[energy].mean_diff == Approx(0.5).epsilon(kRel));
    CHECK(ps.pairs_sharing_seed == 0);
  }
  // --group-by names the row axes; with a single row there is no "all" row.
  SweepReportOptions o;
  o.paired = "grid=400 g/kWh; 0 %,80 g/kWh; 60 %";
  o.where = {std::string(kPue) + "=1.5"};
  const auto filtered = filter_points(index, o.where);
  const auto ps = paired_differences(filtered, o);
  REQUIRE(ps.rows.size() == 1);
  CHECK(ps.rows[0].n == 3);
  CHECK(ps.rows[0].stats[energy].mean_diff == 0);
  CHECK(ps.rows[0].stats[energy].sd == Approx(1).epsilon(kRel));
  const auto table = render_sweep(index, o);
  CHECK_THAT(table, Catch::Contains("0 of them share their seed (the others do not share random "
                                    "numbers"));
  CHECK_THAT(table, Catch::Contains("filtered (--where): datacenters[name=dc].pue=1.5"));
}

TEST_CASE("paired: --paired errors name the flag and what was expected",
          "[analysis][sweep][paired]") {
  TempDir dir;
  write_index(dir / "index.h5");
  const auto index = read_sweep_index(dir / "index.h5");
  const auto error = [&](const std::string& paired, const std::vector<std::string>& group_by = {}) {
    SweepReportOptions o;
    o.paired = paired;
    o.group_by = group_by;
    return input_error([&] { paired_differences(index, o); });
  };
  CHECK_THAT(error("scheduler.policy=fifo,carbon-aware"),
             Catch::Contains("--paired 'scheduler.policy=fifo,carbon-aware': expected AXIS=A,B "
                             "with AXIS one of: datacenters[name=dc].pue"));
  CHECK_THAT(error(std::string(kPue) + "=1.1,1.7"),
             Catch::Contains("expected datacenters[name=dc].pue=A,B with A and B two of its "
                             "values: '1.1', '1.5'"));
  CHECK_THAT(error(std::string(kPue) + "=1.1"), Catch::Contains("with A and B two of its values"));
  CHECK_THAT(error(std::string(kPue) + "=1.1,1.1"), Catch::Contains("A and B are the same value"));
  CHECK_THAT(error(std::string(kPue) + "=1.1,1.5", {"grid", kPue}),
             Catch::Contains("--group-by 'datacenters[name=dc].pue' with --paired"));
  CHECK_THAT(error(std::string(kPue) + "=1.1,1.5", {"grod"}),
             Catch::Contains("--group-by 'grod': not an axis of sweep 'test'"));
  // A point without its partner: point 11 (pue 1.5, grid 80, replica 2) missing.
  auto partial = index;
  partial.points.pop_back();
  SweepReportOptions o;
  o.paired = std::string(kPue) + "=1.1,1.5";
  CHECK_THAT(input_error([&] { paired_differences(partial, o); }),
             Catch::Contains("point 5 (replica 2, regions[name=r].intensity=80 g/kWh, "
                             "regions[name=r].cfe=60 %) has datacenters[name=dc].pue=1.1 but no "
                             "point has datacenters[name=dc].pue=1.5 with the same other axis "
                             "values and replica"));
}

TEST_CASE("grouped rows say which axes are pooled", "[analysis][sweep]") {
  TempDir dir;
  write_index(dir / "index.h5");
  const auto index = read_sweep_index(dir / "index.h5");
  SweepReportOptions o;
  o.group_by = {kPue};
  const auto summary = summarise_sweep(index, o);
  CHECK(summary.pooled == std::vector<std::string>{"grid"});
  CHECK_THAT(render_sweep(index, o),
             Catch::Contains("grouped by: datacenters[name=dc].pue; pooled: grid, replicas;"));
  o.format = "json";
  const auto json = parse_json(render_sweep(index, o));
  CHECK(json["pooled"][0].text == "grid");
  o.group_by.clear();
  o.format = "table";
  CHECK_THAT(render_sweep(index, o),
             Catch::Contains("one row per combination of axis values, pooled: replicas;"));
}
