#include "sim/app/sweep/runner.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <regex>
#include <span>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "analysis/report.hpp"
#include "sim/app/scenario/run.hpp"
#include "sim/kernel/diagnostics/diagnostics.hpp"
#include "sim/kernel/hash/sha256.hpp"
#include "sim/kernel/hdf5/hdf5.hpp"

namespace footprint::sweep {

namespace fs = std::filesystem;

namespace {

constexpr const char* kIndexKind = "footprint-sweep-index";
constexpr const char* kIndexFormatVersion = "2";

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::optional<std::size_t> parse_size(std::string_view s) {
  std::size_t v = 0;
  const auto* end = s.data() + s.size();
  const auto r = std::from_chars(s.data(), end, v);
  if (s.empty() || r.ec != std::errc{} || r.ptr != end) {
    return std::nullopt;
  }
  return v;
}

/// One row of the index table.
struct IndexRow {
  std::int64_t point = 0;
  std::int64_t replica = 0;
  std::uint64_t seed = 0;
  std::string file;
  std::string sha256;
  std::vector<std::string> values;
  PointTotals totals;
};

struct Metric {
  const char* name;
  const char* units;
};
constexpr std::array<Metric, kIndexMetrics> kMetrics{{{"energy_mwh", "MWh"},
                                                      {"it_energy_mwh", "MWh"},
                                                      {"pue", "1"},
                                                      {"emissions_location_t", "t"},
                                                      {"emissions_market_t", "t"},
                                                      {"jobs_emissions_location_t", "t"},
                                                      {"jobs_emissions_market_t", "t"},
                                                      {"embodied_t", "t"},
                                                      {"device_hours", "h"},
                                                      {"days", "d"},
                                                      {"mean_wait_h", "h"},
                                                      {"p95_wait_h", "h"},
                                                      {"peak_facility_mw", "MW"},
                                                      {"p99_facility_mw", "MW"}}};
/// The column `jobs_finished` follows this one.
constexpr std::string_view kBeforeJobsFinished = "days";
/// A column of a part's figure: `FIGURE[NAME]`, one per part of the kind (docs/sweeps.md).
struct PartColumn {
  std::string_view figure;
  std::string_view units;
};
/// A datacenter's columns; then three of its supply's (NaN without one) and three of its
/// water (NaN without `water`).
constexpr std::array<PartColumn, 7> kDatacenterColumns{{{"peak_facility_mw", "MW"},
                                                        {"cfe_score", "1"},
                                                        {"emissions_market_annual_t", "t"},
                                                        {"emissions_market_hourly_t", "t"},
                                                        {"water_onsite_m3", "m3"},
                                                        {"water_offsite_m3", "m3"},
                                                        {"wue_l_per_kwh", "L/kWh"}}};
/// A service's columns; all but `devices` are the trace's /services/NAME attributes.
constexpr std::array<PartColumn, 7> kServiceColumns{{{"goodput", "1"},
                                                     {"ttft_p99_s", "s"},
                                                     {"tpot_p99_s", "s"},
                                                     {"output_tokens_per_s", "1/s"},
                                                     {"j_per_output_token_accelerators", "J"},
                                                     {"j_per_output_token_facility", "J"},
                                                     {"devices", ""}}};
/// By PartKind.
constexpr std::array<std::span<const PartColumn>, kPartKinds> kPartColumns{kDatacenterColumns,
                                                                           kServiceColumns};

std::string part_column(std::string_view figure, std::string_view name) {
  return fmt::format("{}[{}]", figure, name);
}

/// The part named by `column` if it is `FIGURE[NAME]` for `figure`.
std::optional<std::string> part_of_column(std::string_view column, std::string_view figure) {
  if (column.size() > figure.size() + 2 && column.starts_with(figure) &&
      column[figure.size()] == '[' && column.back() == ']') {
    return std::string(column.substr(figure.size() + 1, column.size() - figure.size() - 2));
  }
  return std::nullopt;
}

/// The parts of a kind in `rows`, in order of first appearance.
std::vector<std::string> part_names(const std::vector<IndexRow>& rows, PartKind kind) {
  std::vector<std::string> names;
  for (const auto& r : rows) {
    for (const auto& part : r.totals.of(kind)) {
      if (std::find(names.begin(), names.end(), part.name) == names.end()) {
        names.push_back(part.name);
      }
    }
  }
  return names;
}

constexpr std::size_t kMetricCount = kIndexMetrics;

IndexRow make_row(const Sweep& sw, std::size_t p, const PointTotals& totals) {
  const Point& pt = sw.points[p];
  return {static_cast<std::int64_t>(p),
          static_cast<std::int64_t>(pt.replica),
          pt.seed,
          Sweep::point_file(p),
          pt.sha256,
          pt.values,
          totals};
}

struct IndexHeader {
  std::string sweep_text;
  std::string sweep_name;
  std::string base_scenario;
  std::int64_t points_total = 0;
  std::int64_t replicas = 1;
  std::vector<std::string> axes;
  std::vector<std::string> axis_groups;
};

IndexHeader header_of(const Sweep& sw) {
  IndexHeader h{sw.text,
                sw.name,
                sw.base_given,
                static_cast<std::int64_t>(sw.points.size()),
                static_cast<std::int64_t>(sw.replicas),
                {},
                {}};
  for (const auto& c : sw.columns) {
    h.axes.push_back(c.path);
    h.axis_groups.push_back(c.group);
  }
  return h;
}

fs::path index_name(const fs::path& dir, const std::optional<Shard>& shard) {
  return shard ? dir / fmt::format("index.shard-{}-of-{}.h5", shard->index, shard->count)
               : dir / "index.h5";
}

fs::path write_index_rows(const IndexHeader& h, const fs::path& dir,
                          const std::optional<Shard>& shard, const std::vector<IndexRow>& rows) {
  const fs::path path = index_name(dir, shard);
  io::AtomicOutput out(path, true);
  {
    io::File f = io::File::create(out.temp_path());
    io::Group root = f.root();
    root.set_attr("kind", kIndexKind);
    root.set_attr("format_version", kIndexFormatVersion);
    root.set_attr("sweep", h.sweep_text);
    root.set_attr("sweep_name", h.sweep_name);
    root.set_attr("sweep_sha256", io::sha256_hex(h.sweep_text));
    root.set_attr("base_scenario", h.base_scenario);
    root.set_attr("points_total", h.points_total);
    root.set_attr("replicas", h.replicas);
    root.set_attr_strings("axes", h.axes);
    root.set_attr_strings("axis_groups", h.axis_groups);
    if (shard) {
      root.set_attr("shard", fmt::format("{}/{}", shard->index, shard->count));
    }
    std::vector<std::int64_t> point;
    std::vector<std::int64_t> replica;
    std::vector<std::uint64_t> seed;
    std::vector<std::string> file;
    std::vector<std::string> sha;
    std::vector<std::vector<std::string>> values(h.axes.size());
    std::vector<std::vector<double>> metrics(kMetricCount);
    std::vector<std::int64_t> finished;
    for (const auto& r : rows) {
      point.push_back(r.point);
      replica.push_back(r.replica);
      seed.push_back(r.seed);
      file.push_back(r.file);
      sha.push_back(r.sha256);
      for (std::size_t a = 0; a < values.size(); ++a) {
        values[a].push_back(r.values[a]);
      }
      for (std::size_t m = 0; m < kMetricCount; ++m) {
        metrics[m].push_back(r.totals.metrics[m]);
      }
      finished.push_back(r.totals.jobs_finished);
    }
    io::TableWriter t;
    t.add_int64_column("point", point);
    t.add_int64_column("replica", replica);
    t.add_uint64_column("seed", seed);
    t.add_string_column("file", file);
    t.add_string_column("scenario_sha256", sha);
    for (std::size_t a = 0; a < values.size(); ++a) {
      t.add_string_column(h.axes[a], values[a]);
    }
    for (std::size_t m = 0; m < kMetricCount; ++m) {
      t.add_double_column(kMetrics[m].name, metrics[m], kMetrics[m].units);
      if (kMetrics[m].name == kBeforeJobsFinished) {
        t.add_int64_column("jobs_finished", finished);
      }
    }
    // Each part's figures, a part's columns together; NaN at a point without the part.
    for (std::size_t k = 0; k < kPartKinds; ++k) {
      const auto kind = static_cast<PartKind>(k);
      for (const auto& name : part_names(rows, kind)) {
        for (std::size_t fig = 0; fig < kPartColumns[k].size(); ++fig) {
          std::vector<double> column_values;
          column_values.reserve(rows.size());
          for (const auto& r : rows) {
            const auto& list = r.totals.of(kind);
            const auto it = std::find_if(list.begin(), list.end(),
                                         [&](const auto& part) { return part.name == name; });
            column_values.push_back(it != list.end() ? it->values.at(fig)
                                                     : std::numeric_limits<double>::quiet_NaN());
          }
          const auto& column = kPartColumns[k][fig];
          t.add_double_column(part_column(column.figure, name), column_values,
                              std::string(column.units));
        }
      }
    }
    t.write_columns(root, "points", "point");
    io::Group links = root.create_group("links");
    for (const auto& r : rows) {
      links.create_external_link(fs::path(r.file).stem().string(), r.file, "/");
    }
    f.close();
  }
  out.commit();
  return path;
}

/// A part named in a shard's columns: the column of each of its kind's figures (empty: the
/// shard lacks it).
struct PartInTable {
  std::string name;
  std::vector<std::string> columns;
};

/// By PartKind, the parts whose columns `t` has, in order of first appearance.
std::array<std::vector<PartInTable>, kPartKinds> parts_of_table(const io::Table& t) {
  std::array<std::vector<PartInTable>, kPartKinds> out;
  for (const auto& column : t.column_names()) {
    for (std::size_t k = 0; k < kPartKinds; ++k) {
      for (std::size_t f = 0; f < kPartColumns[k].size(); ++f) {
        const auto name = part_of_column(column, kPartColumns[k][f].figure);
        if (!name) {
          continue;
        }
        auto it = std::find_if(out[k].begin(), out[k].end(),
                               [&](const PartInTable& p) { return p.name == *name; });
        if (it == out[k].end()) {
          out[k].push_back({*name, std::vector<std::string>(kPartColumns[k].size())});
          it = std::prev(out[k].end());
        }
        it->columns[f] = column;
      }
    }
  }
  return out;
}

/// Removes what a killed run left of a point's file (".p000017.h5.tmp-<pid>-<n>"): the
/// temporaries of `out` left by processes that no longer run (a killed
/// sweep): `.<name>.tmp-<pid>[-<n>]` whose pid is gone. Another live sweep's temporary
/// into the same folder is its own and stays.
void remove_stale_temporaries(const fs::path& out) {
  const std::string prefix = fmt::format(".{}.tmp-", out.filename().string());
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(out.parent_path(), ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(prefix, 0) != 0) {
      continue;
    }
    const std::string rest = name.substr(prefix.size());
    const std::string digits = rest.substr(0, rest.find('-'));
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos ||
        digits.size() > 9) {
      continue;  // not a name of ours
    }
    const auto pid = static_cast<pid_t>(std::stol(digits));
    if (pid != ::getpid() && ::kill(pid, 0) != 0 && errno == ESRCH) {
      fs::remove(e.path(), ec);
    }
  }
}

}  // namespace

PointTotals read_point_totals(const fs::path& file) {
  const auto r = analysis::read_report(file, 0);
  const auto& t = r.totals;
  PointTotals out;
  out.metrics = {t.energy_mwh,
                 t.it_energy_mwh,
                 t.pue,
                 t.emissions_location_t,
                 t.emissions_market_t,
                 t.jobs_emissions_location_t,
                 t.jobs_emissions_market_t,
                 t.embodied_t,
                 t.device_hours,
                 t.days,
                 r.mean_wait_h,
                 t.p95_wait_h,
                 t.peak_facility_mw,
                 t.p99_facility_mw};
  out.jobs_finished = r.jobs_finished;
  for (const auto& d : r.datacenters) {
    constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
    constexpr double kLitresPerCubicMetre = 1000.0;
    out.of(PartKind::kDatacenter)
        .push_back({d.name,
                    {d.peak_facility_mw, d.supply ? d.supply->cfe_score : kNaN,
                     d.supply ? d.supply->market_annual_t : kNaN,
                     d.supply ? d.supply->market_hourly_t : kNaN,
                     d.water ? d.water->onsite_l / kLitresPerCubicMetre : kNaN,
                     d.water ? d.water->offsite_l / kLitresPerCubicMetre : kNaN,
                     d.water ? d.water->wue_l_per_kwh : kNaN}});
  }
  for (const auto& s : r.services) {
    PartFigures part{s.name, {}};
    for (const auto& column : kServiceColumns) {
      part.values.push_back(column.figure == "devices" ? (s.get("replicas") + s.get("reserve")) *
                                                             s.get("devices_per_replica")
                                                       : s.get(column.figure));
    }
    out.of(PartKind::kService).push_back(std::move(part));
  }
  return out;
}

namespace {

template <class T>
void put(std::string& out, const T& v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

template <class T>
T take(std::string_view& in) {
  if (in.size() < sizeof(T)) {
    throw std::invalid_argument("point totals: encoding cut short");
  }
  T v{};
  std::memcpy(&v, in.data(), sizeof v);
  in.remove_prefix(sizeof v);
  return v;
}

}  // namespace

std::string encode_totals(const PointTotals& t) {
  std::string out;
  put(out, t.jobs_finished);
  for (const double m : t.metrics) {
    put(out, m);
  }
  for (const auto& parts : t.parts) {
    put(out, static_cast<std::uint64_t>(parts.size()));
    for (const auto& part : parts) {
      put(out, static_cast<std::uint64_t>(part.name.size()));
      out += part.name;
      put(out, static_cast<std::uint64_t>(part.values.size()));
      for (const double v : part.values) {
        put(out, v);
      }
    }
  }
  return out;
}

PointTotals decode_totals(std::string_view in) {
  PointTotals t;
  t.jobs_finished = take<std::int64_t>(in);
  for (double& m : t.metrics) {
    m = take<double>(in);
  }
  for (auto& parts : t.parts) {
    const auto count = take<std::uint64_t>(in);
    for (std::uint64_t i = 0; i < count; ++i) {
      PartFigures part;
      const auto size = take<std::uint64_t>(in);
      if (in.size() < size) {
        throw std::invalid_argument("point totals: encoding cut short");
      }
      part.name = std::string(in.substr(0, size));
      in.remove_prefix(size);
      const auto values = take<std::uint64_t>(in);
      if (in.size() / sizeof(double) < values) {
        throw std::invalid_argument("point totals: encoding cut short");
      }
      for (std::uint64_t v = 0; v < values; ++v) {
        part.values.push_back(take<double>(in));
      }
      parts.push_back(std::move(part));
    }
  }
  if (!in.empty()) {
    throw std::invalid_argument("point totals: bytes left over after the encoding");
  }
  return t;
}

std::optional<Shard> parse_shard(std::string_view text, std::string& why) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) {
    why = fmt::format("expected I/N (shard I of N, I from 0), got \"{}\"", text);
    return std::nullopt;
  }
  const auto i = parse_size(text.substr(0, slash));
  const auto n = parse_size(text.substr(slash + 1));
  if (!i || !n) {
    why = fmt::format("expected I/N with whole numbers, got \"{}\"", text);
    return std::nullopt;
  }
  if (*n == 0 || *i >= *n) {
    why = fmt::format("shard {}/{}: need 0 <= I < N", *i, *n);
    return std::nullopt;
  }
  return Shard{*i, *n};
}

std::optional<Shard> shard_from_slurm(const std::function<const char*(const char*)>& env,
                                      std::string& why) {
  const char* id = env("SLURM_ARRAY_TASK_ID");
  if (id == nullptr) {
    return std::nullopt;
  }
  const char* min = env("SLURM_ARRAY_TASK_MIN");
  const char* count = env("SLURM_ARRAY_TASK_COUNT");
  const auto vi = parse_size(id);
  const auto vmin = min != nullptr ? parse_size(min) : std::optional<std::size_t>(0);
  const auto vn = count != nullptr ? parse_size(count) : std::nullopt;
  if (!vi || !vmin || !vn) {
    why = fmt::format(
        "SLURM_ARRAY_TASK_ID={}, SLURM_ARRAY_TASK_MIN={}, SLURM_ARRAY_TASK_COUNT={}: expected "
        "whole numbers (give --shard I/N to override)",
        id, min != nullptr ? min : "(unset)", count != nullptr ? count : "(unset)");
    return std::nullopt;
  }
  if (*vi < *vmin || *vi - *vmin >= *vn) {
    why = fmt::format(
        "SLURM_ARRAY_TASK_ID={} is outside [SLURM_ARRAY_TASK_MIN, MIN + COUNT) = [{}, {}): an "
        "array with steps (--array=0-9:2) is not supported; give --shard I/N",
        *vi, *vmin, *vmin + *vn);
    return std::nullopt;
  }
  return Shard{*vi - *vmin, *vn};
}

std::vector<std::size_t> points_in_scope(const Sweep& sw, const std::optional<Shard>& shard) {
  std::vector<std::size_t> out;
  for (std::size_t p = 0; p < sw.points.size(); ++p) {
    if (!shard || p % shard->count == shard->index) {
      out.push_back(p);
    }
  }
  return out;
}

bool point_complete(const fs::path& file, const Point& point) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    return false;
  }
  try {
    const io::File f = io::File::open_read(file);
    const io::Group root = f.root();
    return root.has_attr("scenario_sha256") && root.has_attr("format_version") &&
           root.get_attr_string("format_version") == io::kTraceFormatVersion &&
           root.get_attr_string("scenario_sha256") == point.sha256 && root.has("summary");
  } catch (const io::H5Error&) {
    return false;  // damaged: run it again
  }
}

std::pair<unsigned, unsigned> share_cores(std::size_t todo, unsigned threads,
                                          unsigned point_threads) {
  threads = threads != 0 ? threads : std::max(1U, std::thread::hardware_concurrency());
  unsigned per_point = point_threads;
  if (per_point == 0) {
    // Points first: a point's own engine gets the cores the points cannot use.
    per_point = todo >= threads
                    ? 1U
                    : std::max(1U, threads / static_cast<unsigned>(std::max<std::size_t>(1, todo)));
  }
  const unsigned concurrency = std::max(1U, threads / per_point);
  return {concurrency, per_point};
}

void run_points(
    const Sweep& sw, const RunnerOptions& o, unsigned concurrency, unsigned point_threads,
    const std::function<std::optional<std::size_t>()>& next,
    const std::function<void(std::size_t, const PointFailure*, double, const PointTotals*)>& done,
    std::mutex& hdf5) {
  auto run_one = [&](std::size_t p) {
    const Point& pt = sw.points[p];
    const fs::path out = o.out_dir / Sweep::point_file(p);
    double simulate = 0;
    try {
      const auto sc = scenario::parse_scenario(pt.text, sw.base_path.string(), o.load);
      scenario::RunConfig rc;
      rc.threads = point_threads;
      const double t0 = now_s();
      const auto result = scenario::run_scenario(sc, rc);
      simulate = now_s() - t0;
      std::lock_guard lock(hdf5);
      remove_stale_temporaries(out);
      io::AtomicOutput output(out, true);
      // Isolated: while this thread waits for its own compression tasks it must not pick
      // up another point, which would wait for the lock this thread holds.
      tbb::this_task_arena::isolate([&] { io::write_trace(output, sc, result, o.provenance); });
      // The index's row, from the file as any later reader sees it.
      const PointTotals totals = read_point_totals(out);
      done(p, nullptr, simulate, &totals);
    } catch (const footprint::InputError& e) {
      std::string msg;
      for (const auto& d : e.diagnostics()) {
        msg += (msg.empty() ? "" : "; ") + d.render();
      }
      const PointFailure f{p, msg};
      done(p, &f, simulate, nullptr);
    } catch (const std::exception& e) {
      // The machine's failure reads as it is; anything else is a bug (cli/errors.hpp).
      const auto* own = dynamic_cast<const footprint::Error*>(&e);
      const bool system = own != nullptr && own->kind() == footprint::ErrorKind::kSystem;
      const PointFailure f{
          p, system ? std::string(e.what()) : fmt::format("internal error: {}", e.what())};
      done(p, &f, simulate, nullptr);
    }
  };
  tbb::task_arena arena(static_cast<int>(concurrency));
  arena.execute([&] {
    // Each of `concurrency` tasks takes points until none are left: dynamic balancing,
    // since points differ in cost.
    tbb::parallel_for(0U, concurrency, 1U, [&](unsigned) {
      while (const auto p = next()) {
        run_one(*p);
      }
    });
  });
}

fs::path write_index(const Sweep& sw, const fs::path& dir, const std::optional<Shard>& shard,
                     const std::vector<std::size_t>& points, const KnownTotals& known) {
  std::vector<IndexRow> rows;
  for (const auto p : points) {
    if (const auto it = known.find(p); it != known.end()) {
      rows.push_back(make_row(sw, p, it->second));
    } else if (const auto file = dir / Sweep::point_file(p); point_complete(file, sw.points[p])) {
      rows.push_back(make_row(sw, p, read_point_totals(file)));
    }
  }
  return write_index_rows(header_of(sw), dir, shard, rows);
}

SweepSummary run_sweep(const Sweep& sw, const RunnerOptions& o) {
  SweepSummary s;
  std::error_code ec;
  fs::create_directories(o.out_dir / "points", ec);
  if (ec) {
    throw io::OutputPathError(fmt::format("cannot create output folder '{}': {}",
                                          (o.out_dir / "points").string(), ec.message()));
  }
  const auto scope = points_in_scope(sw, o.shard);
  s.in_scope = scope.size();
  std::vector<std::size_t> todo;
  for (const auto p : scope) {
    if (point_complete(o.out_dir / Sweep::point_file(p), sw.points[p])) {
      ++s.skipped;
    } else {
      todo.push_back(p);
    }
  }
  const auto [concurrency, per_point] = share_cores(todo.size(), o.threads, o.point_threads);
  std::atomic<std::size_t> cursor{0};
  std::mutex mutex;  // failures, totals
  std::mutex hdf5;   // every HDF5 call
  KnownTotals known;
  ProgressLine progress(todo.size(), o.progress);
  const double t0 = now_s();
  run_points(
      sw, o, concurrency, per_point,
      [&]() -> std::optional<std::size_t> {
        const auto k = cursor.fetch_add(1);
        return k < todo.size() ? std::optional(todo[k]) : std::nullopt;
      },
      [&](std::size_t p, const PointFailure* f, double simulate, const PointTotals* totals) {
        progress.point_done(f != nullptr);
        std::lock_guard lock(mutex);
        s.simulate_s += simulate;
        if (totals != nullptr) {
          known[p] = *totals;
        }
        if (f != nullptr) {
          s.failures.push_back(*f);
        }
      },
      hdf5);
  progress.finish();
  s.busy_s = now_s() - t0;
  s.ran = todo.size() - s.failures.size();
  std::sort(s.failures.begin(), s.failures.end(),
            [](const auto& a, const auto& b) { return a.point < b.point; });
  s.index = write_index(sw, o.out_dir, o.shard, scope, known);
  return s;
}

fs::path merge_shards(const fs::path& dir) {
  footprint::Diagnostics d(dir.string());
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    d.error("", "is not a folder");
    d.throw_if_any();
  }
  const std::regex name(R"(index\.shard-(\d+)-of-(\d+)\.h5)");
  std::map<std::size_t, std::map<std::size_t, fs::path>> by_count;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::smatch m;
    const std::string f = e.path().filename().string();
    if (std::regex_match(f, m, name)) {
      by_count[std::stoul(m[2])][std::stoul(m[1])] = e.path();
    }
  }
  if (by_count.empty()) {
    d.error("", "no shard index (index.shard-I-of-N.h5) in this folder");
    d.throw_if_any();
  }
  if (by_count.size() > 1) {
    std::string counts;
    for (const auto& [n, files] : by_count) {
      counts += fmt::format("{}{} ({} files)", counts.empty() ? "" : ", ", n, files.size());
    }
    d.error("", fmt::format("shard indexes of different shard counts: {}; remove the stale ones",
                            counts));
    d.throw_if_any();
  }
  const auto& [count, files] = *by_count.begin();
  for (std::size_t i = 0; i < count; ++i) {
    if (files.find(i) == files.end()) {
      d.error("", fmt::format("index.shard-{}-of-{}.h5 is missing: run shard {}/{} first", i, count,
                              i, count));
    }
  }
  d.throw_if_any();

  IndexHeader header;
  std::vector<IndexRow> rows;
  std::string sweep_sha;
  for (const auto& [i, path] : files) {
    const io::File f = io::File::open_read(path);
    const io::Group root = f.root();
    if (!root.has_attr("kind") || root.get_attr_string("kind") != kIndexKind) {
      d.error("", fmt::format("{} is not a sweep index", path.string()));
      continue;
    }
    IndexHeader h{root.get_attr_string("sweep"),         root.get_attr_string("sweep_name"),
                  root.get_attr_string("base_scenario"), root.get_attr_int64("points_total"),
                  root.get_attr_int64("replicas"),       root.get_attr_strings("axes"),
                  root.get_attr_strings("axis_groups")};
    const auto sha = root.get_attr_string("sweep_sha256");
    if (sweep_sha.empty()) {
      sweep_sha = sha;
      header = h;
    } else if (sha != sweep_sha) {
      d.error("",
              fmt::format("{} is from another sweep file (sweep_sha256 {} differs from {})",
                          path.filename().string(), sha.substr(0, 12), sweep_sha.substr(0, 12)));
      continue;
    }
    const auto t = io::read_table(root, "points");
    const auto parts = parts_of_table(t);
    for (std::size_t r = 0; r < t.rows(); ++r) {
      IndexRow row;
      row.point = t.int64s("point")[r];
      row.replica = t.int64s("replica")[r];
      row.seed = t.uint64s("seed")[r];
      row.file = t.strings("file")[r];
      row.sha256 = t.strings("scenario_sha256")[r];
      for (const auto& a : h.axes) {
        row.values.push_back(t.strings(a)[r]);
      }
      for (std::size_t m = 0; m < kMetricCount; ++m) {
        // A column an older build's shard lacks: no value.
        row.totals.metrics[m] = t.has_column(kMetrics[m].name)
                                    ? t.doubles(kMetrics[m].name)[r]
                                    : std::numeric_limits<double>::quiet_NaN();
      }
      row.totals.jobs_finished = t.int64s("jobs_finished")[r];
      for (std::size_t k = 0; k < kPartKinds; ++k) {
        for (const auto& part : parts[k]) {
          PartFigures figures{part.name, {}};
          bool present = false;  // all NaN: the point has no such part
          for (const auto& column : part.columns) {
            const double v =
                column.empty() ? std::numeric_limits<double>::quiet_NaN() : t.doubles(column)[r];
            present = present || !std::isnan(v);
            figures.values.push_back(v);
          }
          if (present) {
            row.totals.parts[k].push_back(std::move(figures));
          }
        }
      }
      rows.push_back(std::move(row));
    }
  }
  d.throw_if_any();
  std::sort(rows.begin(), rows.end(),
            [](const IndexRow& a, const IndexRow& b) { return a.point < b.point; });
  return write_index_rows(header, dir, std::nullopt, rows);
}

ProgressLine::ProgressLine(std::size_t total, bool enabled)
    : total_(total), enabled_(enabled), tty_(isatty(STDERR_FILENO) == 1), start_(now_s()) {}

void ProgressLine::point_done(bool failed) {
  std::lock_guard lock(mutex_);
  ++done_;
  failed_ += failed ? 1 : 0;
  print(false);
}

void ProgressLine::finish() {
  std::lock_guard lock(mutex_);
  if (enabled_ && tty_ && last_print_ >= 0) {
    fmt::print(stderr, "\n");
  }
}

void ProgressLine::print(bool last) {
  if (!enabled_) {
    return;
  }
  constexpr double kTtyEvery = 0.2;
  constexpr double kLogEvery = 10.0;
  const double t = now_s();
  const bool all = done_ == total_;
  if (!last && !all && last_print_ >= 0 && t - last_print_ < (tty_ ? kTtyEvery : kLogEvery)) {
    return;
  }
  last_print_ = t;
  const double elapsed = t - start_;
  const double rate = elapsed > 0 ? static_cast<double>(done_) / elapsed : 0.0;
  const double eta = rate > 0 ? static_cast<double>(total_ - done_) / rate : 0.0;
  const std::string line = fmt::format(
      "points {}/{}{}, {:.1f}/s, elapsed {:.0f} s, ETA {:.0f} s", done_, total_,
      failed_ != 0 ? fmt::format(" ({} failed)", failed_) : std::string{}, rate, elapsed, eta);
  if (tty_) {
    fmt::print(stderr, "\r{:<70}", line);
  } else {
    fmt::print(stderr, "{}\n", line);
  }
}

}  // namespace footprint::sweep
