// Sweep files: expansion into points, key paths, replicas' seeds, shards, core sharing;
// a point's totals as MPI ranks send them.
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>
#include <string>

#include <catch2/catch.hpp>

#include "sim/app/sweep/runner.hpp"
#include "sim/app/sweep/sweep.hpp"
#include "sim/kernel/diagnostics/diagnostics.hpp"

namespace fs = std::filesystem;
using footprint::InputError;
using namespace footprint::sweep;

namespace {

/// The folder of this test run's files, removed when the tests end.
struct TestFolder {
  fs::path path =
      fs::temp_directory_path() / ("footprint-sweep-unit-" + std::to_string(::getpid()));
  TestFolder() { fs::create_directories(path); }
  TestFolder(const TestFolder&) = delete;
  TestFolder& operator=(const TestFolder&) = delete;
  ~TestFolder() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

/// A sweep file in a fresh folder, whose base is the shipped Table 4 scenario.
fs::path write_sweep(const std::string& body, const std::string& name = "sweep.yaml") {
  static const TestFolder folder;  // NOLINT: one per test run
  static int counter = 0;          // NOLINT: test-local file names
  const fs::path dir = folder.path / std::to_string(++counter);
  fs::create_directories(dir);
  std::ofstream(dir / name) << "sweep: unit\nbase: " FOOTPRINT_SOURCE_DIR
                               "/scenarios/patterson2021.yaml\n"
                            << body;
  return dir / name;
}

/// Every rendered diagnostic of a sweep that must fail, one per line.
std::string problems_of(const fs::path& file) {
  try {
    (void)load_sweep(file, {});
  } catch (const InputError& e) {
    std::string out;
    for (const auto& d : e.diagnostics()) {
      out += d.render() + "\n";
    }
    return out;
  }
  FAIL("the sweep was accepted");
  return {};
}

}  // namespace

TEST_CASE("Axes expand as a Cartesian product, first axis slowest, zipped paths together") {
  const auto file = write_sweep(
      "axes:\n"
      "  datacenters[name=microsoft-gpt3].pue: [1.1, 1.5]\n"
      "  chip:\n"
      "    zip:\n"
      "      datacenters[5].accelerators: [{V100: 10000}, {A100: 10000}, {H100: 10000}]\n"
      "      jobs[5].accelerator: [V100, A100, H100]\n"
      "      jobs[name=gpt3].power: [330 W, 400 W, 700 W]\n");
  SweepLoadOptions o;
  o.deep_check = false;
  const auto sw = load_sweep(file, o);
  REQUIRE(sw.points.size() == 6);
  REQUIRE(sw.columns.size() == 4);
  CHECK(sw.columns[0].path == "datacenters[name=microsoft-gpt3].pue");
  CHECK(sw.columns[0].group == "datacenters[name=microsoft-gpt3].pue");
  CHECK(sw.columns[1].group == "chip");
  CHECK(sw.columns[2].group == "chip");
  CHECK(sw.columns[3].group == "chip");
  CHECK(sw.points[0].values == std::vector<std::string>{"1.1", "{V100: 10000}", "V100", "330 W"});
  CHECK(sw.points[2].values == std::vector<std::string>{"1.1", "{H100: 10000}", "H100", "700 W"});
  CHECK(sw.points[3].values == std::vector<std::string>{"1.5", "{V100: 10000}", "V100", "330 W"});
  CHECK(sw.points[5].values == std::vector<std::string>{"1.5", "{H100: 10000}", "H100", "700 W"});
  // The point's text carries the values where the paths say, and nothing else changes.
  CHECK(sw.points[4].text.find("pue: 1.5") != std::string::npos);
  CHECK(sw.points[4].text.find("accelerator: A100") != std::string::npos);
  CHECK(sw.points[4].text.find("power: 400 W") != std::string::npos);
  CHECK(sw.points[4].text.find("power: 330 W") == std::string::npos);
  std::set<std::string> hashes;
  for (const auto& p : sw.points) {
    hashes.insert(p.sha256);
    CHECK(p.seed == 1);  // the base's seed: one replica
    CHECK(p.replica == 0);
  }
  CHECK(hashes.size() == 6);
  CHECK(Sweep::point_file(17) == "points/p000017.h5");
}

TEST_CASE("Replicas: derived seeds, the same for every axis value, replica fastest") {
  const auto file = write_sweep("replicas: 4\naxes:\n  datacenters[0].pue: [1.1, 1.2]\n");
  const auto sw = load_sweep(file, {});
  REQUIRE(sw.points.size() == 8);
  std::set<std::uint64_t> seeds;
  for (std::size_t p = 0; p < 8; ++p) {
    CHECK(sw.points[p].replica == p % 4);
    CHECK(sw.points[p].seed == replica_seed(1, p % 4));
    CHECK(sw.points[p].seed < (std::uint64_t{1} << 53U));
    CHECK(sw.points[p].text.find("seed: " + std::to_string(sw.points[p].seed)) !=
          std::string::npos);
    seeds.insert(sw.points[p].seed);
  }
  CHECK(seeds.size() == 4);
  // Seeds of 1,000 replicas are distinct, and another base seed gives other seeds.
  std::set<std::uint64_t> many;
  for (std::size_t r = 0; r < 1000; ++r) {
    many.insert(replica_seed(7, r));
  }
  CHECK(many.size() == 1000);
  CHECK(replica_seed(7, 0) != replica_seed(8, 0));
}

TEST_CASE("Bad axes are reported with the sweep file's line and column, all of them") {
  const auto file = write_sweep(
      "axes:\n"
      "  datacenters[name=nowhere].pue: [1.1]\n"  // line 4
      "  jobs[9].power: [1 W]\n"                  // line 5
      "  jobs[0].power: [3 kg]\n"                 // line 6
      "  jobs[0]].power: [1 W]\n");               // line 7
  const auto text = problems_of(file);
  const auto f = file.string();
  CHECK_THAT(text, Catch::Contains(f + ":4:3: axes.datacenters[name=nowhere].pue: key path"));
  CHECK_THAT(text, Catch::Contains("no item of datacenters has name \"nowhere\""));
  CHECK_THAT(text, Catch::Contains(f + ":5:3: axes.jobs[9].power"));
  CHECK_THAT(text, Catch::Contains("jobs has 6 items; [9] is out of range"));
  CHECK_THAT(text, Catch::Contains(f + ":7:3: axes.jobs[0]].power: bad key path"));
  // The unit error is found when the point's scenario is read: after the path problems
  // are fixed. It is located at the value.
  const auto file2 = write_sweep("axes:\n  jobs[0].power: [1 W, 3 kg]\n");
  const auto text2 = problems_of(file2);
  CHECK_THAT(text2, Catch::Contains(file2.string() + ":4:24: jobs[0].power: expected a power"));
  CHECK_THAT(text2, Catch::Contains("[in point 1 (jobs[0].power=3 kg)]"));
}

TEST_CASE("Shards from --shard and from Slurm's array variables") {
  std::string why;
  auto s = parse_shard("1/4", why);
  REQUIRE(s);
  CHECK(s->index == 1);
  CHECK(s->count == 4);
  CHECK_FALSE(parse_shard("4/4", why));
  CHECK_THAT(why, Catch::Contains("0 <= I < N"));
  CHECK_FALSE(parse_shard("1/0", why));
  CHECK_FALSE(parse_shard("a/2", why));
  CHECK_FALSE(parse_shard("3", why));

  std::map<std::string, std::string> env;
  auto lookup = [&](const char* k) -> const char* {
    const auto it = env.find(k);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  why.clear();
  CHECK_FALSE(shard_from_slurm(lookup, why));
  CHECK(why.empty());
  env = {{"SLURM_ARRAY_TASK_ID", "12"},
         {"SLURM_ARRAY_TASK_MIN", "10"},
         {"SLURM_ARRAY_TASK_COUNT", "4"}};
  s = shard_from_slurm(lookup, why);
  REQUIRE(s);
  CHECK(s->index == 2);
  CHECK(s->count == 4);
  env["SLURM_ARRAY_TASK_ID"] = "14";  // past MIN + COUNT: an array with a step
  CHECK_FALSE(shard_from_slurm(lookup, why));
  CHECK_THAT(why, Catch::Contains("give --shard"));
  env.erase("SLURM_ARRAY_TASK_COUNT");
  env["SLURM_ARRAY_TASK_ID"] = "11";
  CHECK_FALSE(shard_from_slurm(lookup, why));
  CHECK_THAT(why, Catch::Contains("SLURM_ARRAY_TASK_COUNT=(unset)"));
}

TEST_CASE("Shards take every N-th point; cores go to points first") {
  const auto file = write_sweep("axes:\n  datacenters[0].pue: [1.1, 1.2, 1.3, 1.4, 1.5]\n");
  SweepLoadOptions o;
  o.deep_check = false;
  const auto sw = load_sweep(file, o);
  CHECK(points_in_scope(sw, Shard{1, 2}) == std::vector<std::size_t>{1, 3});
  CHECK(points_in_scope(sw, Shard{0, 2}) == std::vector<std::size_t>{0, 2, 4});
  CHECK(points_in_scope(sw, std::nullopt).size() == 5);

  CHECK(share_cores(1000, 2, 0) == std::pair<unsigned, unsigned>{2, 1});
  CHECK(share_cores(1, 2, 0) == std::pair<unsigned, unsigned>{1, 2});
  CHECK(share_cores(3, 8, 0) == std::pair<unsigned, unsigned>{4, 2});
  CHECK(share_cores(10, 4, 2) == std::pair<unsigned, unsigned>{2, 2});
  CHECK(share_cores(0, 4, 0) == std::pair<unsigned, unsigned>{1, 4});
}

TEST_CASE("A point's totals travel between MPI ranks bit for bit") {
  PointTotals t;
  for (std::size_t m = 0; m < t.metrics.size(); ++m) {
    t.metrics[m] = 0.1 * static_cast<double>(m + 1) / 3;  // not exact in decimal
  }
  t.metrics[1] = -0.0;
  t.metrics[2] = std::numeric_limits<double>::quiet_NaN();
  t.jobs_finished = 123456789012345;
  // Names with what a datacenter name may hold (not '/' or '.'): spaces, newlines, UTF-8.
  t.of(PartKind::kDatacenter) = {
      {"ca-1", {3.25}}, {"a b\nc", {1e-300}}, {"zürich", {7}}, {"", {0}}};
  // A service's figures; one a NaN (no SLO), which must come back as the same bits.
  t.of(PartKind::kService) = {
      {"chat", {std::numeric_limits<double>::quiet_NaN(), 1.5, 0.07, 1e4, 0.25, 0.5, 8}},
      {"code", {}}};
  const auto bytes = encode_totals(t);
  const auto back = decode_totals(bytes);
  CHECK(std::memcmp(back.metrics.data(), t.metrics.data(), sizeof(double) * t.metrics.size()) == 0);
  CHECK(back.jobs_finished == t.jobs_finished);
  CHECK(back.of(PartKind::kDatacenter) == t.of(PartKind::kDatacenter));
  REQUIRE(back.of(PartKind::kService).size() == 2);
  const auto& chat = back.of(PartKind::kService)[0];
  CHECK(chat.name == "chat");
  REQUIRE(chat.values.size() == 7);
  CHECK(std::memcmp(chat.values.data(), t.of(PartKind::kService)[0].values.data(),
                    sizeof(double) * chat.values.size()) == 0);
  CHECK(back.of(PartKind::kService)[1] == t.of(PartKind::kService)[1]);
  CHECK(encode_totals(back) == bytes);
  CHECK_THROWS_AS(decode_totals(bytes.substr(0, bytes.size() - 1)), std::invalid_argument);
  CHECK_THROWS_AS(decode_totals(bytes + "x"), std::invalid_argument);
  CHECK_THROWS_AS(decode_totals(""), std::invalid_argument);
}
