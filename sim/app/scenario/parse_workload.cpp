// The workload section of a scenario file: jobs drawn by a generator, and jobs read from a
// CSV job trace (docs/scenario-format.md, "workload").
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "sim/app/scenario/parse.hpp"
#include "sim/kernel/csv/csv.hpp"

namespace footprint::scenario::parse {

namespace {

/// The columns of a job trace (docs/scenario-format.md, workload.trace); the optional
/// ones hold nothing when absent.
struct TraceColumns {
  std::size_t name = 0;
  std::size_t submit = 0;
  std::size_t accelerator = 0;
  std::size_t devices = 0;
  std::size_t duration = 0;
  std::optional<std::size_t> datacenters;
  std::optional<std::size_t> slack;
  std::optional<std::size_t> utilisation;
  std::optional<std::size_t> mfu;
};

/// The columns of `table`; a column that is none of them is a warning in `warnings`
/// (ignored), or an error when it is a near miss of an optional one ("slak_s").
std::optional<TraceColumns> trace_columns(const csv::Table& table, Diagnostics& fd,
                                          const std::string& file,
                                          std::vector<std::string>& warnings) {
  const auto name = table.column("name", fd);
  const auto submit = table.column("submit_s", fd);
  const auto accelerator = table.column("accelerator", fd);
  const auto devices = table.column("devices", fd);
  const auto duration = table.column("duration_s", fd);
  const auto ignored =
      table.check_near_misses({"name", "submit_s", "accelerator", "devices", "duration_s",
                               "datacenters", "slack_s", "utilisation", "mfu"},
                              {"datacenters", "slack_s", "utilisation", "mfu"}, fd);
  for (const auto& cell : ignored) {
    warnings.push_back(fmt::format(
        "{}:{}:{}: column '{}' is not a job-trace column (name, submit_s, accelerator, devices, "
        "duration_s, datacenters, slack_s, utilisation, mfu): ignored",
        file, table.header_line(), cell.column, csv::shown(cell.text)));
  }
  TraceColumns c{.datacenters = table.optional_column("datacenters", fd),
                 .slack = table.optional_column("slack_s", fd),
                 .utilisation = table.optional_column("utilisation", fd),
                 .mfu = table.optional_column("mfu", fd)};
  if (!name || !submit || !accelerator || !devices || !duration || !fd.empty()) {
    return std::nullopt;
  }
  c.name = *name;
  c.submit = *submit;
  c.accelerator = *accelerator;
  c.devices = *devices;
  c.duration = *duration;
  return c;
}

/// A number of a job trace's row within [lo, hi]; `fallback` when the cell is empty and
/// `required` is false, or when the value is bad (then reported).
double trace_number(const csv::Row& row, std::size_t col, std::string_view key, double lo,
                    double hi, std::optional<double> fallback, Diagnostics& fd) {
  const auto& cell = row.cells[col];
  if (cell.text.empty() && fallback) {
    return *fallback;
  }
  const auto v =
      csv::read_number(row, cell, key, fmt::format("a number in [{:g}, {:g}]", lo, hi), fd);
  if (v && (*v < lo || *v > hi)) {
    fd.error(row.line, cell.column, std::string(key),
             fmt::format("{:g} is outside [{:g}, {:g}]", *v, lo, hi));
    return fallback.value_or(std::nan(""));
  }
  return v.value_or(fallback.value_or(std::nan("")));
}

/// The datacenters cell of a trace row: names separated by ';'.
std::vector<std::size_t> trace_datacenters(const csv::Row& row, const csv::Cell& cell,
                                           const NameIndex& dc_index, Diagnostics& fd) {
  std::vector<std::size_t> out;
  std::string_view names = cell.text;
  while (true) {
    const auto next = names.find(';');
    const std::string dn(names.substr(0, next));
    if (const auto it = dc_index.find(dn); it != dc_index.end()) {
      out.push_back(it->second);
    } else {
      fd.error(row.line, cell.column, "datacenters",
               fmt::format("unknown datacenter \"{}\"", csv::shown(dn)));
    }
    if (next == std::string_view::npos) {
      return out;
    }
    names.remove_prefix(next + 1);
  }
}

/// Bounds of a job trace's numbers.
constexpr double kMaxTraceSeconds = 9.2e9;  // within simulated time (int64 ns)
constexpr double kMaxTraceDevices = 9.0e15;
constexpr double kMinTracePositive = 1e-9;

TraceJob read_trace_row(const csv::Row& row, const TraceColumns& c, const Scenario& sc,
                        const NameIndex& dc_index, Diagnostics& fd) {
  TraceJob j;
  j.name = std::string(row.cells[c.name].text);
  if (j.name.empty()) {
    fd.error(row.line, row.cells[c.name].column, "name", "a job needs a name");
  }
  j.submit = units::seconds(
      trace_number(row, c.submit, "submit_s", 0, kMaxTraceSeconds, std::nullopt, fd));
  j.duration = units::seconds(trace_number(row, c.duration, "duration_s", kMinTracePositive,
                                           kMaxTraceSeconds, std::nullopt, fd));
  const double devices =
      trace_number(row, c.devices, "devices", 1, kMaxTraceDevices, std::nullopt, fd);
  if (std::isfinite(devices) && devices != std::floor(devices)) {
    fd.error(row.line, row.cells[c.devices].column, "devices", "expected a whole number");
  }
  j.devices = std::isfinite(devices) ? static_cast<std::int64_t>(devices) : 0;
  if (c.slack) {
    j.slack = units::seconds(trace_number(row, *c.slack, "slack_s", 0, kMaxTraceSeconds, 0.0, fd));
  }
  // Its latest end must be a time too: a job may wait its slack, then runs its duration.
  const double latest =
      units::to_seconds(j.submit) + units::to_seconds(j.slack) + units::to_seconds(j.duration);
  if (std::isfinite(latest) && latest > kMaxTraceSeconds) {
    fd.error(row.line, row.cells[c.duration].column, "duration_s",
             fmt::format("submit_s + slack_s + duration_s is {:.10g} s, past the end of simulated "
                         "time ({:g} s, about 291 years: int64 nanoseconds)",
                         latest, kMaxTraceSeconds));
  }
  if (c.utilisation) {
    j.utilisation = trace_number(row, *c.utilisation, "utilisation", 0, 1, 1.0, fd);
  }
  if (c.mfu) {
    j.mfu = trace_number(row, *c.mfu, "mfu", kMinTracePositive, 1, j.mfu, fd);
  }
  const auto& acc = row.cells[c.accelerator];
  if (const auto* t = sc.accelerators.find(std::string(acc.text))) {
    j.accelerator = t->name;
  } else {
    fd.error(row.line, acc.column, "accelerator",
             fmt::format("unknown accelerator \"{}\"", csv::shown(acc.text)));
  }
  if (c.datacenters && !row.cells[*c.datacenters].text.empty()) {
    j.datacenters = trace_datacenters(row, row.cells[*c.datacenters], dc_index, fd);
  }
  return j;
}

/// workload.trace: { file: jobs.csv } with columns
/// name,submit_s,accelerator,devices,duration_s[,datacenters][,slack_s][,utilisation][,mfu].
void read_job_trace(const MapReader& w, const Context& ctx, const NameIndex& dc_index,
                    Scenario& sc) {
  Diagnostics& d = ctx.d;
  MapReader tr(w.get("trace"), w.path("trace"), d, {"file"});
  const auto name = tr.text("file", true);
  if (!name) {
    return;
  }
  const auto file = resolve_file(*name, ctx, tr, "file");
  if (file.empty()) {
    return;
  }
  sc.inputs.emplace_back(*name, file);
  Diagnostics fd(file);
  try {
    const auto table = csv::Table::read(
        file, fd, "name,submit_s,accelerator,devices,duration_s[,datacenters,slack_s,...]");
    if (const auto columns = trace_columns(table, fd, file, sc.warnings)) {
      std::map<std::string, int> lines;  // job name -> the line that first gave it
      for (const auto& row : table.rows()) {
        if (!table.complete(row, fd)) {
          continue;
        }
        auto job = read_trace_row(row, *columns, sc, dc_index, fd);
        const auto [first, fresh] = lines.emplace(job.name, row.line);
        if (!fresh && !job.name.empty()) {
          fd.error(row.line, row.cells[columns->name].column, "name",
                   fmt::format("duplicate job name \"{}\" (also line {})", csv::shown(job.name),
                               first->second));
        }
        sc.trace_jobs.push_back(std::move(job));
      }
    }
  } catch (const InputError&) {
    // An unreadable or empty file: its one problem is in fd already.
  }
  for (const auto& item : fd.items()) {
    d.add(item);  // reported with the scenario's own problems
  }
}

/// [min, max] under `key` of a job class: whole numbers of at least 1 (`whole`) or
/// positive durations.
std::pair<double, double> read_range(const MapReader& c, const std::string& key, bool whole) {
  Diagnostics& d = c.diagnostics();
  const auto n = c.get(key);
  if (!n.IsDefined()) {
    c.missing(key);
    return {0, 0};
  }
  if (!n.IsSequence() || n.size() != 2) {
    report(d, n, c.path(key), "expected [min, max]");
    return {0, 0};
  }
  std::pair<double, double> out{0, 0};
  for (std::size_t k = 0; k < 2; ++k) {
    const auto p = fmt::format("{}[{}]", c.path(key), k);
    double v = 0;
    if (whole) {
      v = read_number(d, n[k], p).value_or(0);
      if (v < 1 || v != std::floor(v)) {
        report(d, n[k], p, "expected a whole number of at least 1");
      }
    } else {
      try {
        v = units::parse_as<units::Seconds>(n[k].as<std::string>("")).si();
        if (!(v > 0)) {
          report(d, n[k], p, "must be positive");
        }
      } catch (const units::UnitError& e) {
        report(d, n[k], p, e.what());
      }
    }
    (k == 0 ? out.first : out.second) = v;
  }
  if (out.first > out.second) {
    report(d, n, c.path(key), "min exceeds max");
  }
  return out;
}

void read_class_accelerators(const MapReader& c, const models::AcceleratorLibrary& lib,
                             JobClass& jc) {
  const auto accs = c.get("accelerators");
  if (!accs.IsDefined()) {
    if (c.valid()) {
      c.missing("accelerators");
    }
    return;
  }
  if (!accs.IsSequence() || accs.size() == 0) {
    report(c.diagnostics(), accs, c.path("accelerators"), "expected a list of accelerator types");
    return;
  }
  for (std::size_t k = 0; k < accs.size(); ++k) {
    const auto name = accs[k].as<std::string>("");
    if (const auto* t = resolve_accelerator(lib, c.diagnostics(), accs[k],
                                            item_path(c.path("accelerators"), k), name)) {
      jc.accelerators.push_back(t->name);
    }
  }
}

JobClass read_job_class(const YAML::Node& node, const std::string& path, Diagnostics& d,
                        const models::AcceleratorLibrary& lib) {
  MapReader c(node, path, d,
              {"name", "weight", "devices", "duration", "accelerators", "architecture",
               "utilisation", "mfu", "slack", "checkpoint"});
  JobClass jc;
  jc.name = c.text("name", true).value_or("");
  jc.weight = c.number("weight", true, Sign::kPositive).value_or(1.0);
  const auto dev = read_range(c, "devices", true);
  jc.devices_min = static_cast<std::int64_t>(dev.first);
  jc.devices_max = static_cast<std::int64_t>(dev.second);
  const auto dur = read_range(c, "duration", false);
  jc.duration_min = units::seconds(dur.first);
  jc.duration_max = units::seconds(dur.second);
  read_class_accelerators(c, lib, jc);
  if (const auto arch = c.text("architecture", false)) {
    if (*arch == "moe") {
      jc.architecture = models::Architecture::kMoe;
    } else if (*arch != "dense") {
      report(d, c.get("architecture"), c.path("architecture"),
             fmt::format("expected \"dense\" or \"moe\", got \"{}\"", *arch));
    }
  }
  jc.utilisation = c.fraction("utilisation", false).value_or(1.0);
  jc.mfu = c.fraction("mfu", false).value_or(jc.mfu);
  if (!(jc.mfu > 0)) {
    report(d, c.get("mfu"), c.path("mfu"), "must be positive");
  }
  jc.slack = c.quantity<units::Seconds>("slack", false, Sign::kNonNegative)
                 .value_or(units::Seconds::zero());
  if (c.has("checkpoint")) {
    MapReader cr(c.get("checkpoint"), c.path("checkpoint"), d,
                 {"interval", "duration", "pause_above"});
    jc.checkpoint_interval = cr.quantity<units::Seconds>("interval", true);
    jc.checkpoint_duration = cr.quantity<units::Seconds>("duration", true, Sign::kNonNegative)
                                 .value_or(units::Seconds::zero());
    jc.pause_above = cr.quantity<units::CarbonIntensity>("pause_above", false, Sign::kNonNegative);
  }
  return jc;
}

/// workload.generator: { count, span, start, classes: [...] }.
GeneratorSpec read_generator(const MapReader& w, const models::AcceleratorLibrary& lib) {
  Diagnostics& d = w.diagnostics();
  MapReader g(w.get("generator"), w.path("generator"), d, {"count", "span", "start", "classes"});
  GeneratorSpec spec;
  spec.count = g.count("count", true, 1).value_or(0);
  spec.span = g.quantity<units::Seconds>("span", true).value_or(units::days(1));
  spec.start =
      g.quantity<units::Seconds>("start", false, Sign::kNonNegative).value_or(units::seconds(0));
  const auto classes = g.get("classes");
  if (!classes.IsDefined()) {
    if (g.valid()) {
      g.missing("classes");
    }
  } else if (!classes.IsSequence() || classes.size() == 0) {
    report(d, classes, g.path("classes"), "expected a list of job classes");
  } else {
    for (std::size_t i = 0; i < classes.size(); ++i) {
      spec.classes.push_back(read_job_class(classes[i], item_path(g.path("classes"), i), d, lib));
    }
  }
  return spec;
}

}  // namespace

void read_workload(const MapReader& top, const Context& ctx, const NameIndex& datacenters,
                   Scenario& sc) {
  if (!top.has("workload")) {
    return;
  }
  MapReader w(top.get("workload"), "workload", ctx.d, {"generator", "trace"});
  if (w.has("trace")) {
    read_job_trace(w, ctx, datacenters, sc);
  }
  if (w.has("generator")) {
    sc.generator = read_generator(w, sc.accelerators);
  } else if (w.valid() && !w.has("trace")) {
    report(ctx.d, w.node(), w.path(), "expected a generator or a trace (a CSV job trace)");
  }
}

}  // namespace footprint::scenario::parse
