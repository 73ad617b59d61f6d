// Reading a scenario file: YAML -> Scenario, with every problem collected. The sections
// are read in order (parse_*.cpp), then the whole is validated: the jobs' plans against
// simulated time and the fixed starts against each datacenter's inventory.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string_view>

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "sim/app/scenario/parse.hpp"
#include "sim/app/scenario/plan.hpp"
#include "sim/app/scenario/scenario.hpp"
#include "sim/engine/time.hpp"
#include "sim/kernel/schema/trace_schema.hpp"

namespace footprint::scenario {
namespace {

using parse::JobEntry;

bool fits_sim_time(double seconds) {
  try {
    (void)engine::SimTime::from_seconds(seconds);
    return true;
  } catch (const engine::TimeError&) {
    return false;
  }
}

/// The expected step of each job whose throughput is predicted (plan.hpp); a layout that
/// does not fit (or a chip without a calibration) is reported at the job's parallelism,
/// candidate datacenters whose networks disagree at its datacenters.
void estimate_predicted_steps(const Scenario& sc, std::vector<JobEntry>& jobs, Diagnostics& d) {
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    auto& job = jobs[i].spec;
    if (!jobs[i].complete || !job.predicted) {
      continue;
    }
    const auto path = parse::item_path("jobs", i);
    try {
      estimate_predicted_step(job, sc, jobs[i].place.datacenters);
    } catch (const CandidateNetworksDiffer& e) {
      report(d, jobs[i].node["datacenters"], path + ".datacenters", e.what());
      jobs[i].complete = false;
    } catch (const std::invalid_argument& e) {
      const auto at = jobs[i].node["parallelism"];
      report(d, at.IsDefined() ? at : jobs[i].node, at.IsDefined() ? path + ".parallelism" : path,
             e.what());
      jobs[i].complete = false;
    }
  }
}

/// A datacenter's power_limit applies to the jobs listed under `jobs` and to services: the
/// workload's trace and generated jobs would run there at full clock.
void check_datacenter_limits(const Scenario& sc, Diagnostics& d) {
  if (!sc.generator.has_value() && sc.trace_jobs.empty()) {
    return;
  }
  for (std::size_t i = 0; i < sc.datacenters.size(); ++i) {
    const auto& dc = sc.datacenters[i];
    if (!dc.power_limit) {
      continue;
    }
    d.error(dc.power_limit_at.first, dc.power_limit_at.second,
            parse::item_path("datacenters", i) + ".power_limit",
            fmt::format("a datacenter's power limit applies to the jobs listed under `jobs` and "
                        "to services, and \"{}\" may also run the workload's jobs: give "
                        "power_limit to the listed jobs and services instead",
                        dc.name));
  }
}

/// The devices of each (datacenter, type) that fixed-start jobs take and give back.
struct Use {
  double t;
  std::int64_t delta;
};
using Uses = std::map<std::pair<std::size_t, std::string>, std::vector<Use>>;

/// Each complete job's plan must fit simulated time; fixed starts are recorded in `uses`.
void check_plans(const Scenario& sc, const std::vector<JobEntry>& jobs, Diagnostics& d,
                 Uses& uses) {
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    if (!jobs[i].complete) {
      continue;
    }
    const auto& job = jobs[i].spec;
    try {
      const auto plan = models::plan_training(job, *sc.accelerators.find(job.accelerator));
      const double s = units::to_seconds(job.start);
      const double e = s + units::to_seconds(plan.duration);
      // The run keeps times as int64 nanoseconds: the start and the end must fit.
      const bool start_fits = fits_sim_time(s);
      if (!start_fits || !fits_sim_time(units::to_seconds(plan.duration)) || !fits_sim_time(e)) {
        const char* key = start_fits ? "work" : "start";
        const YAML::Node& node = jobs[i].node;
        report(d, node[key], parse::item_path("jobs", i) + "." + key,
               fmt::format("the job would {} at {:g} s, past the limit of simulated time "
                           "(int64 ns, about 292 years)",
                           start_fits ? "end" : "start", start_fits ? e : s));
        continue;
      }
      if (units::to_seconds(plan.duration) < kOneTickSeconds) {
        report(d, jobs[i].node["work"], parse::item_path("jobs", i) + ".work",
               fmt::format("the job would run {:g} s, less than one tick of simulated time "
                           "(1 ns): it would never end",
                           units::to_seconds(plan.duration)));
        continue;
      }
      if (!jobs[i].place.fixed_start) {
        continue;
      }
      auto& u = uses[{job.datacenter, job.accelerator}];
      u.push_back({s, job.devices});
      u.push_back({e, -job.devices});
    } catch (const std::exception& e) {
      report(d, jobs[i].node, parse::item_path("jobs", i), e.what());
    }
  }
}

/// Fixed-start jobs running together must fit their datacenter's inventory.
void check_concurrent_use(const Scenario& sc, Uses& uses, Diagnostics& d) {
  for (auto& [key, u] : uses) {
    std::sort(u.begin(), u.end(), [](const Use& a, const Use& b) {
      return a.t != b.t ? a.t < b.t : a.delta < b.delta;  // ends before starts at a tie
    });
    std::int64_t in_use = 0;
    const auto& dc = sc.datacenters[key.first];
    const std::string& type = key.second;  // a lambda may not capture a structured binding
    const auto cap =
        std::find_if(dc.inventory.begin(), dc.inventory.end(), [&](const InventoryItem& x) {
          return x.accelerator == type;
        })->count;
    for (const auto& x : u) {
      in_use += x.delta;
      if (in_use > cap) {
        d.error("jobs", fmt::format("jobs running together at {:g} s use {} {} devices, but "
                                    "datacenter \"{}\" has {}",
                                    x.t, in_use, key.second, dc.name, cap));
        break;
      }
    }
  }
}

/// The memory this machine has available now, in bytes (MemAvailable, else the free
/// physical pages); 0 when unknown.
double available_memory_bytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  double kb = 0;
  std::string unit;
  while (in >> key >> kb >> unit) {
    if (key == "MemAvailable:") {
      return kb * 1024.0;
    }
  }
#if defined(_SC_AVPHYS_PAGES) && defined(_SC_PAGESIZE)
  const long pages = sysconf(_SC_AVPHYS_PAGES);
  const long page = sysconf(_SC_PAGESIZE);
  if (pages > 0 && page > 0) {
    return static_cast<double>(pages) * static_cast<double>(page);
  }
#endif
  return 0;
}

/// The trace's memory: per trace interval and datacenter, each series of the trace and,
/// while running, about as many binned integrals (models/fleet/datacenter.hpp), 8 bytes
/// each. Over the horizon, or without one over the listed and traced jobs' latest ends (a
/// lower bound: a queue can stretch a run). Refused, at trace.interval, when it exceeds
/// the memory available: the run would end in an allocation failure after running.
void check_trace_memory(const Scenario& sc, const std::vector<JobEntry>& jobs,
                        const YAML::Node& root, Diagnostics& d) {
  double span = 0;
  if (sc.horizon) {
    span = units::to_seconds(*sc.horizon);
  } else {
    for (const auto& j : jobs) {
      if (!j.complete) {
        continue;
      }
      try {
        const auto plan = models::plan_training(j.spec, *sc.accelerators.find(j.spec.accelerator));
        const double start =
            j.place.fixed_start
                ? units::to_seconds(j.spec.start)
                : units::to_seconds(j.place.submit.value_or(units::Seconds::zero()));
        span = std::max(span, start + units::to_seconds(plan.duration));
      } catch (const std::exception&) {
        // reported by check_plans
      }
    }
    for (const auto& t : sc.trace_jobs) {
      span = std::max(span, units::to_seconds(t.submit) + units::to_seconds(t.slack) +
                                units::to_seconds(t.duration));
    }
  }
  const double interval = units::to_seconds(sc.trace_interval);
  if (!(span > 0) || !(interval > 0)) {
    return;
  }
  const double intervals = std::ceil(span / interval);
  const double dcs = static_cast<double>(std::max<std::size_t>(1, sc.datacenters.size()));
  const double bytes = intervals * dcs * 2.0 * static_cast<double>(schema::kSeriesCount) * 8.0;
  const double available = available_memory_bytes();
  if (available <= 0 || bytes <= available) {
    return;
  }
  const auto tr = root["trace"];
  const auto at = tr.IsMap() && tr["interval"].IsDefined() ? tr["interval"] : root;
  report(d, at, "trace.interval",
         fmt::format("{:g} intervals of {:g} s over {:g} s in {:g} datacenter(s) need about "
                     "{:.3g} GB of memory, and {:.3g} GB is available: give a longer "
                     "trace.interval (or a shorter horizon)",
                     intervals, interval, span, dcs, bytes / 1e9, available / 1e9));
}

/// The length of the valid UTF-8 sequence at the start of `s`, or 0 when it is not one
/// (overlong forms, surrogates and code points above U+10FFFF are not).
std::size_t utf8_sequence(std::string_view s) {
  const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned c = b(0);
  if (c < 0x80) {
    return 1;
  }
  std::size_t n = 0;
  unsigned lo = 0x80;
  unsigned hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    lo = c == 0xE0 ? 0xA0 : 0x80;
    hi = c == 0xED ? 0x9F : 0xBF;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    lo = c == 0xF0 ? 0x90 : 0x80;
    hi = c == 0xF4 ? 0x8F : 0xBF;
  } else {
    return 0;
  }
  if (s.size() < n || b(1) < lo || b(1) > hi) {
    return 0;
  }
  for (std::size_t i = 2; i < n; ++i) {
    if (b(i) < 0x80 || b(i) > 0xBF) {
      return 0;
    }
  }
  return n;
}

/// Every line holding bytes that are not UTF-8 is reported once, at its first such byte:
/// names and texts end up in the trace's UTF-8 strings.
void check_utf8(const std::string& text, Diagnostics& d) {
  int line = 1;
  int column = 1;
  int reported = 0;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = utf8_sequence(std::string_view(text).substr(i));
    if (n == 0) {
      if (reported != line) {
        d.error(line, column, "",
                fmt::format("byte 0x{:02X} is not UTF-8: a scenario file is UTF-8 text",
                            static_cast<unsigned char>(text[i])));
        reported = line;
      }
      ++i;
      ++column;
      continue;
    }
    if (text[i] == '\n') {
      ++line;
      column = 0;
    }
    i += n;
    ++column;
  }
}

/// Where a quoted scalar that starts at `line`:`column` (1-based) of `text` ends; false
/// when its closing quote is missing. yaml-cpp reads an unclosed quote to the end of the
/// file as one long string, and the keys it swallowed are then reported as missing.
bool quote_closes(const std::string& text, int line, int column) {
  std::size_t pos = 0;
  for (int l = 1; l < line; ++l) {
    pos = text.find('\n', pos);
    if (pos == std::string::npos) {
      return true;
    }
    ++pos;
  }
  pos += static_cast<std::size_t>(column - 1);
  if (pos >= text.size() || (text[pos] != '"' && text[pos] != '\'')) {
    return true;  // not where a quote opens: nothing to say
  }
  const char q = text[pos];
  for (std::size_t i = pos + 1; i < text.size(); ++i) {
    if (q == '"' && text[i] == '\\') {
      ++i;
    } else if (text[i] == q) {
      if (q == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
        ++i;  // '' is a quote inside a single-quoted string
      } else {
        return true;
      }
    }
  }
  return false;
}

/// Counts a YAML stream's documents from the parser's events, and keeps the mark of the
/// second document's first node (line -1 when it has none) and of the latest node.
class DocumentCounter final : public YAML::EventHandler {
 public:
  int documents = 0;
  YAML::Mark second = YAML::Mark::null_mark();
  YAML::Mark last = YAML::Mark::null_mark();

  void OnDocumentStart(const YAML::Mark& mark) override {
    ++documents;
    last = mark;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t /*anchor*/) override { node(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t /*anchor*/) override { node(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t /*anchor*/,
                const std::string& /*value*/) override {
    node(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string& /*tag*/,
                       YAML::anchor_t /*anchor*/, YAML::EmitterStyle::value /*style*/) override {
    node(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t /*anchor*/,
                  YAML::EmitterStyle::value /*style*/) override {
    node(mark);
  }
  void OnMapEnd() override {}

 private:
  void node(const YAML::Mark& mark) {
    last = mark;
    if (documents == 2 && second.line < 0) {
      second = mark;
    }
  }
};

/// Reports each quoted scalar under `n` whose quote is never closed.
void check_quotes(const YAML::Node& n, const std::string& path, const std::string& text,
                  Diagnostics& d) {
  if (n.IsScalar()) {
    if (n.Tag() == "!" && n.Mark().line >= 0 &&
        !quote_closes(text, n.Mark().line + 1, n.Mark().column + 1)) {
      report(d, n, path,
             "YAML syntax error: a quoted string is not closed (its closing quote is missing)");
    }
  } else if (n.IsSequence()) {
    for (std::size_t i = 0; i < n.size(); ++i) {
      check_quotes(n[i], parse::item_path(path, i), text, d);
    }
  } else if (n.IsMap()) {
    for (const auto& kv : n) {
      const auto key = kv.first.IsScalar() ? kv.first.Scalar() : std::string("?");
      const auto p = path.empty() ? key : path + "." + key;
      check_quotes(kv.first, p, text, d);
      check_quotes(kv.second, p, text, d);
    }
  }
}

}  // namespace

Scenario parse_scenario(const std::string& text, const std::string& file_name,
                        const LoadOptions& options) {
  // Syntax first, and alone: a syntax error's echoes (keys it hid reported missing) would
  // only mislead.
  Diagnostics d(file_name);
  check_utf8(text, d);
  // The documents are counted by the parser's events rather than built (yaml-cpp's LoadAll
  // never returns on some malformed text, a lone "," among them: its parser stops advancing
  // and LoadAll adds empty documents without end). A document consumes at least one byte,
  // so more passes than bytes mean the parser is stuck.
  DocumentCounter counter;
  try {
    std::istringstream in(text);
    YAML::Parser parser(in);
    std::size_t passes = 0;
    while (parser.HandleNextDocument(counter)) {
      if (++passes > text.size() + 1) {
        d.error(counter.last.line + 1, counter.last.column + 1, "",
                "YAML syntax error: the text from here on is no YAML (the parser cannot go on)");
        d.throw_if_any();
      }
    }
  } catch (const YAML::Exception& e) {
    d.error(e.mark.line + 1, e.mark.column + 1, "", "YAML syntax error: " + e.msg);
    d.throw_if_any();
  }
  if (counter.documents > 1) {
    // The second document's first node, or else the line of its "---".
    int line = counter.second.line + 1;
    int column = counter.second.column + 1;
    if (line <= 0) {
      line = 0;
      column = 1;
      std::istringstream lines(text);
      std::string l;
      int seen = 0;
      for (int k = 1; std::getline(lines, l); ++k) {
        if (l.starts_with("---") && ++seen == (text.starts_with("---") ? 2 : 1)) {
          line = k;
          break;
        }
      }
    }
    d.error(line, column, "",
            fmt::format("a second YAML document: a scenario file holds one (a line \"---\" "
                        "starts another){}",
                        counter.documents > 2
                            ? fmt::format(", and this file holds {}", counter.documents)
                            : std::string()));
  }
  YAML::Node root;
  if (counter.documents > 0) {
    try {
      root = YAML::Load(text);  // the first document (the count above found no error in it)
    } catch (const YAML::Exception& e) {
      d.error(e.mark.line + 1, e.mark.column + 1, "", "YAML syntax error: " + e.msg);
      d.throw_if_any();
    }
    check_quotes(root, "", text, d);
  }
  d.throw_if_any();
  return parse_scenario_tree(root, text, file_name, options);
}

Scenario parse_scenario_tree(const YAML::Node& root, const std::string& text,
                             const std::string& file_name, const LoadOptions& options) {
  Diagnostics d(file_name);
  if (!root.IsDefined() || root.IsNull()) {
    d.error("", "the scenario file is empty");
    d.throw_if_any();
  }
  Scenario sc;
  sc.source = file_name;
  sc.text = text;
  MapReader top(
      root, "", d,
      {"name", "description", "seed", "trace", "epoch", "horizon", "scheduler", "failures",
       "workload", "regions", "datacenters", "jobs", "services", "accelerator_types"});
  if (!top.valid()) {
    d.throw_if_any();
  }
  const parse::Context ctx{d, std::filesystem::path(file_name).parent_path(), options};
  parse::read_settings(top, sc);
  parse::read_scheduler(top, sc);
  parse::read_failures(top, sc);
  parse::read_accelerator_types(root, d, sc.accelerators);
  const auto regions = parse::read_regions(root, ctx, sc);
  const auto datacenters = parse::read_datacenters(root, ctx, regions, sc);
  parse::read_workload(top, ctx, datacenters, sc);
  parse::read_services(root, ctx, datacenters, sc);
  auto jobs =
      parse::read_jobs(root, ctx, datacenters, !top.has("workload") && !top.has("services"), sc);

  // Validation of the whole: only once every part has been read without a problem.
  if (d.empty()) {
    check_datacenter_limits(sc, d);
    estimate_predicted_steps(sc, jobs, d);
    Uses uses;
    check_plans(sc, jobs, d, uses);
    check_concurrent_use(sc, uses, d);
    check_trace_memory(sc, jobs, root, d);
  }
  d.throw_if_any();
  for (auto& j : jobs) {
    sc.jobs.push_back(std::move(j.spec));
    sc.placements.push_back(std::move(j.place));
  }
  return sc;
}

Scenario load_scenario(const std::filesystem::path& path, const LoadOptions& options) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    Diagnostics d(path.string());
    d.error("", "is a directory, not a scenario file");
    d.throw_if_any();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    Diagnostics d(path.string());
    d.error("", std::filesystem::exists(path) ? "cannot read the file" : "no such file");
    d.throw_if_any();
  }
  std::stringstream ss;
  ss << in.rdbuf();
  auto sc = parse_scenario(ss.str(), path.string(), options);
  sc.source = path;
  return sc;
}

}  // namespace footprint::scenario
