#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include "sim/kernel/hdf5/hdf5.hpp"

namespace fs = std::filesystem;
using footprint::io::AtomicOutput;
using footprint::io::ColumnType;
using footprint::io::ColumnWriter;
using footprint::io::File;
using footprint::io::Group;
using footprint::io::H5Error;
using footprint::io::OutputExistsError;
using footprint::io::OutputPathError;
using footprint::io::read_table;
using footprint::io::Table;
using footprint::io::TableWriter;

namespace {

// A fresh directory under the system temporary directory, removed with its contents.
class TempDir {
 public:
  TempDir() {
    std::random_device seed;
    path_ = fs::temp_directory_path() /
            ("footprint-io-test-" + std::to_string(::getpid()) + "-" + std::to_string(seed()));
    fs::create_directories(path_);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<std::string> directory_entries(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

bool same_bits(double a, double b) {
  std::uint64_t x = 0;
  std::uint64_t y = 0;
  std::memcpy(&x, &a, sizeof x);
  std::memcpy(&y, &b, sizeof y);
  return x == y;
}

std::vector<double> sample_doubles(std::size_t n) {
  std::vector<double> v = {0.0,
                           -0.0,
                           1.0,
                           -1.5,
                           0.1,
                           1e308,
                           -1e-308,
                           std::numeric_limits<double>::denorm_min(),
                           std::numeric_limits<double>::infinity(),
                           -std::numeric_limits<double>::infinity(),
                           std::numeric_limits<double>::quiet_NaN()};
  std::mt19937_64 rng(42);
  std::normal_distribution<double> dist(0.0, 1e6);
  while (v.size() < n) {
    v.push_back(dist(rng));
  }
  v.resize(n);
  return v;
}

std::vector<std::int64_t> sample_int64s(std::size_t n) {
  std::vector<std::int64_t> v = {0, -1, 1, std::numeric_limits<std::int64_t>::min(),
                                 std::numeric_limits<std::int64_t>::max()};
  std::mt19937_64 rng(7);
  while (v.size() < n) {
    v.push_back(static_cast<std::int64_t>(rng()));
  }
  v.resize(n);
  return v;
}

// The content used for the reproducibility checks: groups, attributes, vectors, a table.
void write_sample(const fs::path& path, double scale) {
  File file = File::create(path);
  Group root = file.root();
  root.set_attr("footprint_version", "0.1.0");
  root.set_attr("seed", std::uint64_t{12345});
  root.set_attr("scenario", std::string(100'000, 's'));  // larger than an object header
  Group results = root.create_group("results");
  results.set_attr("scale", scale);
  auto power = sample_doubles(10'000);
  for (auto& p : power) {
    p *= scale;
  }
  results.write_vector("power_w", power, "W");
  results.write_vector("ticks", sample_int64s(5'000), "ns");
  results.write_vector("empty", std::vector<double>{}, "J");
  TableWriter jobs;
  jobs.add_string_column("name", std::vector<std::string>{"train-a", "infer-b", "c"});
  jobs.add_double_column("energy_j", std::vector<double>{1.5 * scale, 2.0, 3.25}, "J");
  jobs.add_int64_column("gpus", std::vector<std::int64_t>{8, 1, 64}, "1");
  jobs.write(results, "jobs");
  file.close();
}

}  // namespace

TEST_CASE("Vectors round-trip exactly with their units", "[io][hdf5]") {
  TempDir dir;
  const auto path = dir / "vectors.h5";
  const auto doubles = sample_doubles(10'001);  // more than two chunks, not a multiple
  const auto ints = sample_int64s(4'097);
  {
    File file = File::create(path);
    Group root = file.root();
    auto d = root.write_vector("power", doubles, "W");
    CHECK(d.path() == "/power");
    CHECK(d.size() == doubles.size());
    root.write_vector("ticks", ints, "ns");
    root.write_vector("no_doubles", std::vector<double>{}, "J");
    root.write_vector("no_ints", std::vector<std::int64_t>{}, "");
  }
  File file = File::open_read(path);
  const Group root = file.root();
  CHECK(root.list() == std::vector<std::string>{"no_doubles", "no_ints", "power", "ticks"});

  const auto back = root.read_vector_double("power");
  REQUIRE(back.size() == doubles.size());
  for (std::size_t i = 0; i < doubles.size(); ++i) {
    REQUIRE(same_bits(back[i], doubles[i]));
  }
  CHECK(root.read_vector_int64("ticks") == ints);
  CHECK(root.read_vector_double("no_doubles").empty());
  CHECK(root.read_vector_int64("no_ints").empty());
  CHECK(root.open_dataset("no_doubles").size() == 0);

  CHECK(root.open_dataset("power").get_attr_string("units") == "W");
  CHECK(root.open_dataset("ticks").get_attr_string("units") == "ns");
  CHECK(root.open_dataset("no_doubles").get_attr_string("units") == "J");
  CHECK(root.open_dataset("no_ints").get_attr_string("units").empty());
  CHECK(root.open_dataset("power").attr_names() == std::vector<std::string>{"units"});

  // Reading with the wrong element type is an error, not a conversion.
  CHECK_THROWS_AS(root.read_vector_int64("power"), H5Error);
  CHECK_THROWS_AS(root.read_vector_double("ticks"), H5Error);
}

TEST_CASE("Attributes round-trip exactly on groups and datasets", "[io][hdf5]") {
  TempDir dir;
  const auto path = dir / "attrs.h5";
  {
    File file = File::create(path);
    Group root = file.root();
    Group g = root.create_group("run");
    g.set_attr("pi", 3.141592653589793);
    g.set_attr("tiny", std::numeric_limits<double>::denorm_min());
    g.set_attr("min", std::numeric_limits<std::int64_t>::min());
    g.set_attr("max_u", std::numeric_limits<std::uint64_t>::max());
    g.set_attr("small", 42);  // int goes to int64
    g.set_attr("count", 7U);  // unsigned goes to uint64
    g.set_attr("label", "grid: DE \xe2\x80\x94 2024");
    g.set_attr("empty", "");
    g.set_attr("replaced", 1.0);
    g.set_attr("replaced", "now a string");
    auto d = g.write_vector("x", std::vector<double>{1.0, 2.0}, "s");
    d.set_attr("source", std::string("measured"));
    d.set_attr("gain", 0.5);
  }
  File file = File::open_read(path);
  const Group g = file.root().open_group("run");
  CHECK(g.path() == "/run");
  CHECK(g.get_attr_double("pi") == 3.141592653589793);
  CHECK(g.get_attr_double("tiny") == std::numeric_limits<double>::denorm_min());
  CHECK(g.get_attr_int64("min") == std::numeric_limits<std::int64_t>::min());
  CHECK(g.get_attr_uint64("max_u") == std::numeric_limits<std::uint64_t>::max());
  CHECK(g.get_attr_int64("small") == 42);
  CHECK(g.get_attr_uint64("small") == 42U);
  CHECK(g.get_attr_double("small") == 42.0);
  CHECK(g.get_attr_uint64("count") == 7U);
  CHECK(g.get_attr_int64("count") == 7);
  CHECK(g.get_attr_string("label") == "grid: DE \xe2\x80\x94 2024");
  CHECK(g.get_attr_string("empty").empty());
  CHECK(g.get_attr_string("replaced") == "now a string");
  CHECK(g.has_attr("pi"));
  CHECK_FALSE(g.has_attr("nope"));
  CHECK(g.attr_names() == std::vector<std::string>{"count", "empty", "label", "max_u", "min", "pi",
                                                   "replaced", "small", "tiny"});
  const auto d = g.open_dataset("x");
  CHECK(d.get_attr_string("source") == "measured");
  CHECK(d.get_attr_double("gain") == 0.5);
  CHECK(d.get_attr_string("units") == "s");
  CHECK(d.attr_names() == std::vector<std::string>{"gain", "source", "units"});

  CHECK_THROWS_AS(g.get_attr_int64("max_u"), H5Error);  // does not fit
  CHECK_THROWS_AS(g.get_attr_uint64("min"), H5Error);   // negative
  CHECK_THROWS_AS(g.get_attr_int64("pi"), H5Error);     // not an integer
  CHECK_THROWS_AS(g.get_attr_double("label"), H5Error);
  CHECK_THROWS_AS(g.get_attr_string("pi"), H5Error);
  try {
    (void)g.get_attr_double("nope");
    FAIL("no exception");
  } catch (const H5Error& e) {
    CHECK_THAT(e.what(), Catch::Contains("nope") && Catch::Contains("/run") &&
                             Catch::Contains(path.string()));
  }
}

TEST_CASE("String attributes may be larger than 64 KiB", "[io][hdf5]") {
  TempDir dir;
  const auto path = dir / "big.h5";
  std::string text;
  for (int i = 0; i < 50'000; ++i) {
    text += std::to_string(i) + '\n';
  }
  REQUIRE(text.size() > 200'000);
  {
    File file = File::create(path);
    file.root().set_attr("scenario", text);
  }
  File file = File::open_read(path);
  CHECK(file.root().get_attr_string("scenario") == text);
}

TEST_CASE("Groups nest, list sorted and report missing members", "[io][hdf5]") {
  TempDir dir;
  const auto path = dir / "groups.h5";
  File file = File::create(path);
  Group root = file.root();
  CHECK(root.path() == "/");
  Group b = root.create_group("b");
  root.create_group("a");
  Group c = b.create_group("c");
  CHECK(c.path() == "/b/c");
  c.write_vector("v", std::vector<std::int64_t>{1, 2, 3}, "1");
  CHECK(root.list() == std::vector<std::string>{"a", "b"});
  CHECK(root.has("b"));
  CHECK(root.has("b/c"));
  CHECK(root.has("b/c/v"));
  CHECK_FALSE(root.has("x"));
  CHECK_FALSE(root.has("x/y"));
  CHECK_FALSE(root.has("b/x"));
  CHECK_FALSE(root.has(""));
  CHECK(root.open_group("b/c").read_vector_int64("v") == std::vector<std::int64_t>{1, 2, 3});
  CHECK_THROWS_AS(root.create_group("b"), H5Error);  // already exists
  try {
    (void)root.open_group("b/missing");
    FAIL("no exception");
  } catch (const H5Error& e) {
    CHECK_THAT(e.what(), Catch::Contains("/b/missing") && Catch::Contains(path.string()));
  }
  try {
    c.write_vector("v", std::vector<double>{1.0}, "W");
    FAIL("no exception");
  } catch (const H5Error& e) {
    CHECK_THAT(e.what(), Catch::Contains("/b/c/v"));
  }
}

TEST_CASE("Closing a file closes objects still open in it", "[io][hdf5]") {
  TempDir dir;
  const auto path = dir / "closed.h5";
  File file = File::create(path);
  Group g = file.root().create_group("g");
  g.write_vector("v", std::vector<double>{1.0, 2.0}, "W");
  file.close();
  CHECK_THROWS_AS(g.set_attr("late", 1.0), H5Error);
  CHECK_THROWS_AS(file.root(), H5Error);
  // The data is complete on disk although `g` was still alive at close.
  CHECK(File::open_read(path).root().read_vector_double("g/v") == std::vector<double>{1.0, 2.0});
}

TEST_CASE("Compound tables round-trip with per-column units", "[io][hdf5]") {
  TempDir dir;
  const auto path = dir / "table.h5";
  const std::vector<std::string> names = {"train-llama", "", "infer \xc3\xa9t\xc3\xa9", "x"};
  const std::vector<double> energy = {1.25e9, -0.0, 3.5, std::numeric_limits<double>::max()};
  const std::vector<std::int64_t> gpus = {512, 0, -3, std::numeric_limits<std::int64_t>::min()};
  const std::vector<std::uint64_t> ids = {1, 2, 3, std::numeric_limits<std::uint64_t>::max()};
  {
    File file = File::create(path);
    Group root = file.root();
    TableWriter table;
    table.add_string_column("name", names);
    table.add_double_column("energy_j", energy, "J");
    table.add_int64_column("gpus", gpus, "1");
    table.add_uint64_column("id", ids);
    CHECK(table.rows() == 4);
    CHECK(table.columns() == 4);
    auto d = table.write(root, "jobs");
    CHECK(d.path() == "/jobs");
    CHECK(d.size() == 4);

    TableWriter none;
    none.add_double_column("t", std::vector<double>{}, "s");
    none.add_string_column("what", std::vector<std::string>{});
    none.write(root, "empty");

    // More rows than one chunk holds.
    std::vector<double> many(20'000);
    std::vector<std::int64_t> index(many.size());
    for (std::size_t i = 0; i < many.size(); ++i) {
      many[i] = static_cast<double>(i) * 0.25;
      index[i] = static_cast<std::int64_t>(i);
    }
    TableWriter big;
    big.add_int64_column("i", index);
    big.add_double_column("v", many, "W");
    big.write(root, "big");
  }

  File file = File::open_read(path);
  const Group root = file.root();
  const Table t = read_table(root, "jobs");
  CHECK(t.rows() == 4);
  CHECK(t.column_names() == std::vector<std::string>{"name", "energy_j", "gpus", "id"});
  CHECK(t.strings("name") == names);
  CHECK(t.doubles("energy_j") == energy);
  CHECK(std::signbit(t.doubles("energy_j")[1]));
  CHECK(t.int64s("gpus") == gpus);
  CHECK(t.uint64s("id") == ids);
  CHECK(t.type("name") == ColumnType::string);
  CHECK(t.type("energy_j") == ColumnType::float64);
  CHECK(t.type("gpus") == ColumnType::int64);
  CHECK(t.type("id") == ColumnType::uint64);
  CHECK(t.units("energy_j") == "J");
  CHECK(t.units("gpus") == "1");
  CHECK(t.units("name").empty());
  CHECK(t.has_column("gpus"));
  CHECK_FALSE(t.has_column("watts"));
  // A column missing from a file, or of another type, is the file's problem.
  CHECK_THROWS_AS(t.doubles("gpus"), H5Error);
  CHECK_THROWS_AS(t.strings("watts"), H5Error);
  CHECK(root.open_dataset("jobs").get_attr_strings("units") ==
        std::vector<std::string>{"", "J", "1", ""});

  const Table empty = read_table(root, "empty");
  CHECK(empty.rows() == 0);
  CHECK(empty.column_names() == std::vector<std::string>{"t", "what"});
  CHECK(empty.doubles("t").empty());
  CHECK(empty.strings("what").empty());
  CHECK(empty.units("t") == "s");

  const Table big = read_table(root, "big");
  REQUIRE(big.rows() == 20'000);
  CHECK(big.doubles("v")[19'999] == 19'999 * 0.25);
  CHECK(big.int64s("i")[12'345] == 12'345);

  CHECK_THROWS_AS(read_table(root, "missing"), H5Error);
}

TEST_CASE("Column-group tables round-trip along their dimension", "[io][hdf5]") {
  TempDir dir;
  const auto path = dir / "columns.h5";
  const std::vector<std::string> names = {"train-llama", "", "infer \xc3\xa9t\xc3\xa9", "x"};
  const std::vector<double> energy = {1.25e9, -0.0, 3.5, std::numeric_limits<double>::max()};
  const std::vector<std::uint64_t> ids = {1, 2, 3, std::numeric_limits<std::uint64_t>::max()};
  const std::vector<std::string> phases = {"forward", "backward"};
  std::vector<double> many(20'000);
  for (std::size_t i = 0; i < many.size(); ++i) {
    many[i] = static_cast<double>(i) * 0.25;
  }
  {
    File file = File::create(path);
    Group root = file.root();
    TableWriter table;
    table.add_string_column("name", names);
    table.add_double_column("energy_j", energy, "J");
    table.add_uint64_column("id", ids, "1");
    table.describe("energy_j", "facility energy");
    CHECK_THROWS_AS(table.describe("watts", "no such column"), std::invalid_argument);
    const Group g = table.write_columns(root, "jobs", "job");
    CHECK(g.path() == "/jobs");

    // A column named as the dimension is its coordinate: no row numbers are added.
    TableWriter by_phase;
    by_phase.add_string_column("phase", phases);
    by_phase.add_double_column("seconds", std::vector<double>{0.5, 1.0}, "s");
    by_phase.write_columns(root, "phases", "phase");

    TableWriter big;
    big.add_double_column("v", many, "W");
    big.write_columns(root, "big", "row");

    TableWriter none;
    none.add_double_column("t", std::vector<double>{}, "s");
    none.add_string_column("what", std::vector<std::string>{});
    none.write_columns(root, "empty", "row");
  }

  File file = File::open_read(path);
  const Group root = file.root();
  CHECK(root.is_group("jobs"));
  CHECK_FALSE(root.is_group("missing"));
  const Group jobs = root.open_group("jobs");
  // Creation order, not name order: the row-number coordinate first.
  CHECK(jobs.list_in_creation_order() == std::vector<std::string>{"job", "name", "energy_j", "id"});
  const Table t = read_table(root, "jobs");
  CHECK(t.rows() == 4);
  CHECK(t.column_names() == std::vector<std::string>{"job", "name", "energy_j", "id"});
  CHECK(t.int64s("job") == std::vector<std::int64_t>{0, 1, 2, 3});
  CHECK(t.strings("name") == names);
  CHECK(t.doubles("energy_j") == energy);
  CHECK(std::signbit(t.doubles("energy_j")[1]));
  CHECK(t.uint64s("id") == ids);
  CHECK(t.units("energy_j") == "J");
  CHECK(t.units("name").empty());
  CHECK(jobs.open_dataset("energy_j").get_attr_string("long_name") == "facility energy");
  CHECK_FALSE(jobs.open_dataset("name").has_attr("units"));

  // The netCDF-4 convention: the coordinate is a dimension scale named after the
  // dimension, and every other column lists it in DIMENSION_LIST.
  {
    const auto job = jobs.open_dataset("job");
    CHECK(H5DSis_scale(job.handle().get()) > 0);
    char name[16] = {};
    CHECK(H5DSget_scale_name(job.handle().get(), name, sizeof name) == 3);
    CHECK(std::string(name) == "job");
    const auto energy_ds = jobs.open_dataset("energy_j");
    CHECK(H5DSis_attached(energy_ds.handle().get(), job.handle().get(), 0) > 0);
    CHECK(H5DSget_num_scales(energy_ds.handle().get(), 0) == 1);
  }
  // Strings are variable-length UTF-8.
  {
    const auto d = jobs.open_dataset("name");
    const hid_t type = H5Dget_type(d.handle().get());
    CHECK(H5Tis_variable_str(type) > 0);
    CHECK(H5Tget_cset(type) == H5T_CSET_UTF8);
    H5Tclose(type);
  }

  const Table p = read_table(root, "phases");
  CHECK(p.column_names() == std::vector<std::string>{"phase", "seconds"});
  CHECK(p.strings("phase") == phases);
  const auto phase = root.open_group("phases").open_dataset("phase");
  CHECK(H5DSis_scale(phase.handle().get()) > 0);

  const Table big = read_table(root, "big");
  REQUIRE(big.rows() == 20'000);
  CHECK(big.doubles("v")[19'999] == 19'999 * 0.25);
  const Table first = read_table(root, "big", 10);
  CHECK(first.rows() == 10);
  CHECK(first.doubles("v")[9] == 9 * 0.25);
  CHECK(first.int64s("row")[9] == 9);
  const Table few = read_table(root, "jobs", 2);
  CHECK(few.strings("name") == std::vector<std::string>{"train-llama", ""});

  const Table empty = read_table(root, "empty");
  CHECK(empty.rows() == 0);
  CHECK(empty.column_names() == std::vector<std::string>{"row", "t", "what"});
  CHECK(empty.strings("what").empty());
}

TEST_CASE("A netCDF dimension without a variable and a bounds matrix", "[io][hdf5]") {
  TempDir dir;
  const auto path = dir / "bounds.h5";
  {
    File file = File::create(path);
    Group root = file.root();
    auto time = root.write_vector("time", std::vector<double>{0, 3600},
                                  "seconds since 2022-01-01T00:00:00Z");
    time.make_scale("time");
    auto nv = root.create_dimension("nv", 2);
    auto b = root.write_matrix("time_bounds", std::vector<double>{0, 3600, 3600, 7200}, 2, 2,
                               "seconds since 2022-01-01T00:00:00Z");
    b.attach_scale(time, 0);
    b.attach_scale(nv, 1);
    CHECK_THROWS_AS(root.write_matrix("bad", std::vector<double>{1, 2, 3}, 2, 2, "s"),
                    std::invalid_argument);
  }
  File file = File::open_read(path);
  const Group root = file.root();
  const auto nv = root.open_dataset("nv");
  char name[80] = {};
  REQUIRE(H5DSget_scale_name(nv.handle().get(), name, sizeof name) > 0);
  CHECK(std::string(name) == "This is a netCDF dimension but not a netCDF variable.         2");
  const auto b = root.open_dataset("time_bounds");
  CHECK(b.size() == 4);
  std::vector<double> values(4);
  REQUIRE(H5Dread(b.handle().get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                  values.data()) >= 0);
  CHECK(values == std::vector<double>{0, 3600, 3600, 7200});
  CHECK(H5DSis_attached(b.handle().get(), nv.handle().get(), 1) > 0);
  CHECK(root.list_in_creation_order() == std::vector<std::string>{"time", "nv", "time_bounds"});
}

TEST_CASE("String attributes are variable-length UTF-8; int64 arrays round-trip", "[io][hdf5]") {
  TempDir dir;
  const auto path = dir / "attrs.h5";
  const std::vector<std::int64_t> counts = {10000, 0, -1};
  {
    File file = File::create(path);
    Group root = file.root();
    root.set_attr("region", "\xc3\xa9t\xc3\xa9");
    root.set_attr("empty", "");
    root.set_attr_int64s("accelerator_counts", counts);
    root.set_attr_strings("none", std::vector<std::string>{});
    CHECK_THROWS_AS(root.set_attr("bad", std::string_view("a\0b", 3)), std::invalid_argument);
  }
  File file = File::open_read(path);
  const Group root = file.root();
  CHECK(root.get_attr_string("region") == "\xc3\xa9t\xc3\xa9");
  CHECK(root.get_attr_string("empty").empty());
  CHECK(root.get_attr_strings("none").empty());
  const hid_t attr = H5Aopen(root.handle().get(), "region", H5P_DEFAULT);
  const hid_t type = H5Aget_type(attr);
  CHECK(H5Tis_variable_str(type) > 0);
  CHECK(H5Tget_cset(type) == H5T_CSET_UTF8);
  H5Tclose(type);
  H5Aclose(attr);
  std::vector<std::int64_t> back(3);
  const hid_t a = H5Aopen(root.handle().get(), "accelerator_counts", H5P_DEFAULT);
  REQUIRE(H5Aread(a, H5T_NATIVE_INT64, back.data()) >= 0);
  H5Aclose(a);
  CHECK(back == counts);
}

TEST_CASE("read_table reads compound datasets written by other tools", "[io][hdf5]") {
  // A table as h5py writes it by default: variable-length strings, narrower numbers.
  TempDir dir;
  const auto path = dir / "foreign.h5";
  struct Row {
    const char* label;
    float x;
    std::int32_t n;
    std::uint16_t u;
    char code[3];
  };
  Row rows[2] = {{"hello", 1.5F, -7, 3, {'a', 'b', '\0'}},
                 {"w\xc3\xb6rld", 2.0F, 9, 65535, {'x', 'y', 'z'}}};
  {
    const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    REQUIRE(file >= 0);
    const hid_t vstr = H5Tcopy(H5T_C_S1);
    H5Tset_size(vstr, H5T_VARIABLE);
    H5Tset_cset(vstr, H5T_CSET_UTF8);
    const hid_t fstr = H5Tcopy(H5T_C_S1);
    H5Tset_size(fstr, 3);
    H5Tset_strpad(fstr, H5T_STR_NULLPAD);
    const hid_t row = H5Tcreate(H5T_COMPOUND, sizeof(Row));
    H5Tinsert(row, "label", offsetof(Row, label), vstr);
    H5Tinsert(row, "x", offsetof(Row, x), H5T_NATIVE_FLOAT);
    H5Tinsert(row, "n", offsetof(Row, n), H5T_NATIVE_INT32);
    H5Tinsert(row, "u", offsetof(Row, u), H5T_NATIVE_UINT16);
    H5Tinsert(row, "code", offsetof(Row, code), fstr);
    const hsize_t dims[1] = {2};
    const hid_t space = H5Screate_simple(1, dims, nullptr);
    const hid_t ds = H5Dcreate2(file, "t", row, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    REQUIRE(ds >= 0);
    CHECK(H5Dwrite(ds, row, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) >= 0);
    H5Dclose(ds);
    H5Sclose(space);
    H5Tclose(row);
    H5Tclose(fstr);
    H5Tclose(vstr);
    H5Fclose(file);
  }
  File file = File::open_read(path);
  const Table t = read_table(file.root(), "t");
  CHECK(t.rows() == 2);
  CHECK(t.column_names() == std::vector<std::string>{"label", "x", "n", "u", "code"});
  CHECK(t.strings("label") == std::vector<std::string>{"hello", "w\xc3\xb6rld"});
  CHECK(t.doubles("x") == std::vector<double>{1.5, 2.0});
  CHECK(t.int64s("n") == std::vector<std::int64_t>{-7, 9});
  CHECK(t.uint64s("u") == std::vector<std::uint64_t>{3, 65535});
  CHECK(t.strings("code") == std::vector<std::string>{"ab", "xyz"});
  CHECK(t.units("x").empty());  // no units attribute
}

TEST_CASE("Reading a plain vector as a table is an error", "[io][hdf5]") {
  TempDir dir;
  File file = File::create(dir / "t.h5");
  Group root = file.root();
  root.write_vector("v", std::vector<double>{1.0}, "W");
  CHECK_THROWS_AS(read_table(root, "v"), H5Error);
}

TEST_CASE("TableWriter rejects inconsistent tables", "[io][hdf5]") {
  TableWriter t;
  t.add_double_column("a", std::vector<double>{1.0, 2.0});
  CHECK_THROWS_AS(t.add_double_column("b", std::vector<double>{1.0}), std::invalid_argument);
  CHECK_THROWS_AS(t.add_int64_column("a", std::vector<std::int64_t>{1, 2}), std::invalid_argument);
  CHECK_THROWS_AS(t.add_string_column("s", std::vector<std::string>{"ok", std::string(1, '\0')}),
                  std::invalid_argument);
  CHECK_THROWS_AS(t.add_double_column("", std::vector<double>{1.0, 2.0}), std::invalid_argument);
  TempDir dir;
  File file = File::create(dir / "t.h5");
  Group root = file.root();
  CHECK_THROWS_AS(TableWriter{}.write(root, "none"), std::invalid_argument);
}

TEST_CASE("A table written a column at a time is the table written whole, byte for byte",
          "[io][hdf5]") {
  TempDir dir;
  const std::vector<std::string> names = {"a", "", "c\xc3\xa9"};
  const std::vector<double> energy = {1.5, -0.0, 1e300};
  const std::vector<std::int64_t> devices = {8, 16, 4096};
  {
    File file = File::create(dir / "whole.h5");
    Group root = file.root();
    TableWriter t;
    t.add_string_column("name", names);
    t.add_double_column("energy", energy, "J");
    t.add_int64_column("devices", devices, "1");
    t.describe("energy", "facility energy");
    t.write_columns(root, "jobs", "job");
  }
  {
    File file = File::create(dir / "streamed.h5");
    Group root = file.root();
    ColumnWriter w(root, "jobs", "job", 3);
    w.write("name", std::span<const std::string>(names), "", "");
    w.write("energy", std::span<const double>(energy), "J", "facility energy");
    w.write("devices", std::span<const std::int64_t>(devices), "1", "");
    const Group g = std::move(w).finish();
    CHECK(g.path() == "/jobs");
  }
  CHECK(read_bytes(dir / "whole.h5") == read_bytes(dir / "streamed.h5"));

  // Strings made a block of rows at a time: several blocks and a partial last one.
  constexpr std::size_t kRows = 150'001;
  const auto name_of = [](std::size_t j) { return fmt::format("job-{:07d}", j * 7); };
  {
    File file = File::create(dir / "blocks.h5");
    Group root = file.root();
    ColumnWriter w(root, "jobs", "job", kRows);
    std::size_t calls = 0;
    w.write(
        "name",
        [&](std::size_t first, std::span<std::string> out) {
          ++calls;
          for (std::size_t k = 0; k < out.size(); ++k) {
            out[k] = name_of(first + k);
          }
        },
        "", "the job's name");
    CHECK(calls > 1);
    std::move(w).finish();
  }
  {
    File file = File::open_read(dir / "blocks.h5");
    const Table t = read_table(file.root(), "jobs");
    REQUIRE(t.rows() == kRows);
    const auto& got = t.strings("name");
    std::size_t wrong = 0;
    for (std::size_t j = 0; j < kRows; ++j) {
      wrong += got[j] == name_of(j) ? 0U : 1U;
    }
    CHECK(wrong == 0);
    CHECK(file.root().open_group("jobs").open_dataset("name").get_attr_string("long_name") ==
          "the job's name");
  }

  File file = File::create(dir / "bad.h5");
  Group root = file.root();
  ColumnWriter w(root, "t", "row", 2);
  CHECK_THROWS_AS(w.write("short", std::span<const double>(energy).first(1), "J", ""),
                  std::invalid_argument);
  CHECK_THROWS_AS(w.write("row", std::span<const std::int64_t>(devices).first(2), "1", ""),
                  std::invalid_argument);
  ColumnWriter own(root, "u", "phase", 2, /*own_coordinate=*/true);
  CHECK_THROWS_AS(std::move(own).finish(), std::invalid_argument);
}

TEST_CASE("The same content gives byte-identical files", "[io][hdf5]") {
  TempDir dir;
  write_sample(dir / "a.h5", 1.0);
  write_sample(dir / "other.h5", 2.0);
  write_sample(dir / "b.h5", 1.0);
  const auto a = read_bytes(dir / "a.h5");
  REQUIRE(!a.empty());
  CHECK(a == read_bytes(dir / "b.h5"));
  CHECK(a != read_bytes(dir / "other.h5"));
  // The file name is not recorded: the same content written through a temporary name and
  // renamed is identical too.
  {
    AtomicOutput out(dir / "c.h5", false);
    write_sample(out.temp_path(), 1.0);
    out.commit();
  }
  CHECK(a == read_bytes(dir / "c.h5"));
}

TEST_CASE("AtomicOutput publishes the file only on commit", "[io][atomic]") {
  TempDir dir;
  const auto final_path = dir / "run.h5";

  SECTION("commit renames the temporary file") {
    AtomicOutput out(final_path, false);
    CHECK(out.final_path() == final_path);
    CHECK(out.temp_path().parent_path() == dir.path());
    CHECK(out.temp_path().filename().string().rfind(".run.h5.tmp-", 0) == 0);
    write_sample(out.temp_path(), 1.0);
    CHECK_FALSE(fs::exists(final_path));
    out.commit();
    CHECK(out.committed());
    CHECK(fs::exists(final_path));
    CHECK(directory_entries(dir.path()) == std::vector<std::string>{"run.h5"});
    CHECK_THROWS_AS(out.commit(), std::logic_error);
  }

  SECTION("without commit nothing is left behind") {
    {
      AtomicOutput out(final_path, false);
      write_sample(out.temp_path(), 1.0);
      CHECK(fs::exists(out.temp_path()));
    }
    CHECK(directory_entries(dir.path()).empty());
  }

  SECTION("an exception while writing leaves nothing behind") {
    try {
      AtomicOutput out(final_path, false);
      File file = File::create(out.temp_path());
      Group root = file.root();
      root.write_vector("v", std::vector<double>{1.0, 2.0}, "W");
      (void)root.open_group("missing");  // throws H5Error
      out.commit();
      FAIL("no exception");
    } catch (const H5Error&) {
    }
    CHECK(directory_entries(dir.path()).empty());
  }

  SECTION("an existing file is not replaced without force") {
    { std::ofstream(final_path) << "previous"; }
    try {
      AtomicOutput out(final_path, false);
      FAIL("no exception");
    } catch (const OutputExistsError& e) {
      CHECK_THAT(e.what(), Catch::Contains(final_path.string()) && Catch::Contains("--force"));
    }
    CHECK(read_bytes(final_path) == "previous");
    CHECK(directory_entries(dir.path()) == std::vector<std::string>{"run.h5"});
  }

  SECTION("with force the existing file is replaced on commit only") {
    { std::ofstream(final_path) << "previous"; }
    {
      AtomicOutput out(final_path, true);
      write_sample(out.temp_path(), 1.0);
      CHECK(read_bytes(final_path) == "previous");
    }
    CHECK(read_bytes(final_path) == "previous");  // not committed: untouched
    AtomicOutput out(final_path, true);
    write_sample(out.temp_path(), 1.0);
    out.commit();
    CHECK(File::open_read(final_path).root().has("results/jobs"));
    CHECK(directory_entries(dir.path()) == std::vector<std::string>{"run.h5"});
  }

  SECTION("a file appearing before commit is not overwritten without force") {
    AtomicOutput out(final_path, false);
    write_sample(out.temp_path(), 1.0);
    { std::ofstream(final_path) << "someone else"; }
    CHECK_THROWS_AS(out.commit(), OutputExistsError);
    CHECK(read_bytes(final_path) == "someone else");
  }

  SECTION("a missing directory is reported by name") {
    const auto missing = dir / "no-such-dir";
    try {
      AtomicOutput out(missing / "run.h5", false);
      FAIL("no exception");
    } catch (const OutputPathError& e) {
      CHECK_THAT(e.what(), Catch::Contains(missing.string()));
    }
    CHECK_FALSE(fs::exists(missing));
  }

  SECTION("a directory that is a file is reported by name") {
    const auto not_dir = dir / "plain-file";
    { std::ofstream(not_dir) << "x"; }
    try {
      AtomicOutput out(not_dir / "run.h5", false);
      FAIL("no exception");
    } catch (const OutputPathError& e) {
      CHECK_THAT(e.what(), Catch::Contains(not_dir.string()));
    }
  }

  SECTION("the final path must not be a directory") {
    fs::create_directory(final_path);
    CHECK_THROWS_AS(AtomicOutput(final_path, true), OutputPathError);
  }

  SECTION("a read-only directory is reported by name") {
    if (::geteuid() == 0) {
      SUCCEED("running as root: permissions are not enforced");
    } else {
      const auto ro = dir / "read-only";
      fs::create_directory(ro);
      fs::permissions(ro, fs::perms::owner_read | fs::perms::owner_exec);
      try {
        AtomicOutput out(ro / "run.h5", false);
        FAIL("no exception");
      } catch (const OutputPathError& e) {
        CHECK_THAT(e.what(), Catch::Contains(ro.string()));
      }
      fs::permissions(ro, fs::perms::owner_all);
    }
  }
}

TEST_CASE("AtomicOutput's temporaries are unique, created first and removable by a signal",
          "[io][atomic]") {
  TempDir dir;
  const auto final_path = dir / "run.h5";

  SECTION("two writers of one output in one process do not share a temporary") {
    AtomicOutput a(final_path, true);
    AtomicOutput b(final_path, true);
    CHECK(a.temp_path() != b.temp_path());
    CHECK(fs::exists(a.temp_path()));  // created by the constructor, empty
    CHECK(fs::exists(b.temp_path()));
    write_sample(a.temp_path(), 1.0);
    write_sample(b.temp_path(), 2.0);
    a.commit();
    b.commit();  // the last rename wins; the file is whole either way
    CHECK(File::open_read(final_path).root().has("results/jobs"));
    CHECK(directory_entries(dir.path()) == std::vector<std::string>{"run.h5"});
  }

  SECTION("remove_pending_temporaries removes uncommitted temporaries only") {
    { std::ofstream(dir / "done.h5") << "x"; }
    AtomicOutput done(dir / "done.h5", true);
    write_sample(done.temp_path(), 1.0);
    done.commit();
    AtomicOutput pending(final_path, false);
    write_sample(pending.temp_path(), 1.0);
    footprint::io::remove_pending_temporaries();
    CHECK_FALSE(fs::exists(pending.temp_path()));
    CHECK(directory_entries(dir.path()) == std::vector<std::string>{"done.h5"});
  }

  SECTION("force never replaces what is not a regular file") {
    REQUIRE(::mkfifo(final_path.c_str(), 0600) == 0);
    try {
      AtomicOutput out(final_path, true);
      FAIL("no exception");
    } catch (const OutputPathError& e) {
      CHECK_THAT(e.what(),
                 Catch::Contains(final_path.string()) && Catch::Contains("not a regular file"));
    }
    CHECK(fs::is_fifo(final_path));
    CHECK(directory_entries(dir.path()) == std::vector<std::string>{"run.h5"});
  }

  SECTION("a name too long for the filesystem fails in the constructor") {
    const auto too_long = dir / (std::string(250, 'x') + ".h5");
    try {
      AtomicOutput out(too_long, false);
      FAIL("no exception");
    } catch (const OutputPathError& e) {
      CHECK_THAT(e.what(), Catch::Contains(too_long.string()) && Catch::Contains("too long"));
    }
    CHECK(directory_entries(dir.path()).empty());
  }
}

TEST_CASE("Opening a file that is not HDF5 names the file", "[io][hdf5]") {
  TempDir dir;
  const auto text = dir / "not-hdf5.txt";
  { std::ofstream(text) << "this is not an HDF5 file\n"; }
  try {
    (void)File::open_read(text);
    FAIL("no exception");
  } catch (const H5Error& e) {
    CHECK_THAT(e.what(), Catch::Contains(text.string()));
  }
  try {
    (void)File::open_read(dir / "missing.h5");
    FAIL("no exception");
  } catch (const H5Error& e) {
    CHECK_THAT(e.what(), Catch::Contains((dir / "missing.h5").string()));
  }
  CHECK_THROWS_AS(File::create(dir / "no-such-dir" / "x.h5"), H5Error);
}

TEST_CASE("A damaged global heap is an error, not a hang inside libhdf5", "[io][hdf5]") {
  TempDir dir;
  const auto path = dir / "strings.h5";
  {
    File f = File::create(path);
    Group root = f.root();
    root.set_attr("format_version", "2");
    const std::vector<std::string> names = {"gpt3", "t5", "meena"};
    root.write_strings("names", names);
    f.close();
  }
  CHECK(File::open_read(path).root().get_attr_string("format_version") == "2");
  std::string bytes = read_bytes(path);
  const auto at = bytes.find(std::string("GCOL\x01\0\0\0", 8));
  REQUIRE(at != std::string::npos);
  // Zeros from the first object on: object index 0 of size 0, on which libhdf5 1.10's
  // parser of the collection never advances.
  std::fill(bytes.begin() + static_cast<std::ptrdiff_t>(at + 16),
            bytes.begin() + static_cast<std::ptrdiff_t>(std::min(bytes.size(), at + 4096)), '\0');
  { std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes; }
  try {
    (void)File::open_read(path);
    FAIL("no exception");
  } catch (const H5Error& e) {
    CHECK_THAT(e.what(), Catch::Contains(path.string()) && Catch::Contains("global heap") &&
                             Catch::Contains(std::to_string(at)));
  }
}

TEST_CASE("A dataset claiming more than its file can hold is refused before reading",
          "[io][hdf5]") {
  TempDir dir;
  const auto path = dir / "huge.h5";
  {
    // 2^40 float64 elements, never written: libhdf5 reads them back as fill values.
    const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    const hsize_t dims[1] = {hsize_t{1} << 40U};
    const hsize_t chunk[1] = {4096};
    const hid_t space = H5Screate_simple(1, dims, nullptr);
    const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 1, chunk);
    H5Dclose(H5Dcreate2(file, "power_w", H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT));
    H5Pclose(dcpl);
    H5Sclose(space);
    H5Fclose(file);
  }
  const File f = File::open_read(path);
  try {
    (void)f.root().read_vector_double("power_w");
    FAIL("no exception");
  } catch (const H5Error& e) {
    CHECK_THAT(e.what(), Catch::Contains("/power_w") && Catch::Contains("1099511627776 elements"));
  }
}
