// Reading a trace file back and summarising it: the tables of `footprint run` and
// `footprint report`, always computed from the file, never from a run's memory.
//
// The numbers here are values read back from a trace, held as plain doubles (not the
// simulator's unit types): in the units the trace stores them in (sim/kernel/schema/
// trace_schema.hpp), or converted for display to the unit the field's name ends in
// (_mwh, _t, _h, ...). They are for tables and plots, not for simulation arithmetic.
#pragma once

#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace footprint::analysis {

struct JobRow {
  std::string name;
  std::string datacenter;
  std::string accelerator;
  std::int64_t devices = 0;
  std::int64_t steps = 0;
  std::int64_t restarts = 0;
  bool finished = false;
  double submit_s = 0;
  double wait_s = 0;  ///< NaN if it never started
  double start_s = 0;
  double end_s = 0;
  double days = 0;
  double device_hours = 0;
  double flops = 0;
  double it_energy_mwh = 0;
  double energy_mwh = 0;  ///< facility energy (IT x PUE)
  double emissions_location_t = 0;
  double emissions_market_t = 0;
  double embodied_t = 0;  ///< NaN when its accelerator has no published embodied figure
  /// Its devices' power limit, W; nullopt: none (or a trace written before limits).
  std::optional<double> power_limit_w;
  double clock = 1;  ///< relative clock under the limit
};

struct DatacenterRow {
  std::string name;
  std::string region;
  /// Its region's intensity is a marginal-emissions series (`kind: marginal`), not the
  /// grid's average: the location-based figures are marginal ones.
  bool marginal = false;
  /// From the first start to the last end of the jobs that finished here; 0 when none did
  /// (a job still running at the stop does not stretch it to the horizon).
  double days = 0;
  double device_hours = 0;
  double it_energy_mwh = 0;
  double energy_mwh = 0;
  double pue = 0;  ///< energy / IT energy
  double emissions_location_t = 0;
  double emissions_market_t = 0;
  /// Amortised over the run, whole inventory: the types with a published embodied figure
  /// only (see embodied_unpublished); NaN when none of its types has one.
  double embodied_t = 0;
  /// The inventory's accelerator types without a published embodied figure (for the
  /// total: of any datacenter), in order; empty in traces that do not say (written before
  /// `accelerator_has_embodied`, which counted such types as 0).
  std::vector<std::string> embodied_unpublished;
  double peak_facility_mw = 0;  ///< instantaneous peak (summed for the total)
  double p99_facility_mw = 0;   ///< 99th percentile of interval means (summed for the total)
  /// Design peak: every device at full draw in the hour of the weather year with the
  /// largest facility power (summed for the total). nullopt in traces written before it
  /// (docs/trace-format.md, "Additions to format 2"), and for the total if any is.
  std::optional<double> design_peak_mw;
  /// Start of that hour, simulated s (nullopt for the total).
  std::optional<double> design_peak_time_s;
  std::string design_peak_warning;  ///< why it understates the real one; empty if not
  /// The power cap, MW; nullopt without one (and for the total).
  std::optional<double> power_cap_mw;
  /// With a cap: time above it, s, and device-hours it held back; nullopt in traces written
  /// before them, without a cap, and for the total.
  std::optional<double> cap_exceeded_s;
  std::optional<double> cap_held_device_hours;
  /// With a `supply` (docs/grid.md, "Energy supply"): the 24/7 CFE score, MWh generated
  /// carbon-free, imported and surplus, the peak hourly import (MW) and market-based
  /// emissions with annual and hourly matching (t).
  struct Supply {
    double cfe_score = 0;
    double generated_mwh = 0;
    double import_mwh = 0;
    double surplus_mwh = 0;
    double peak_import_mw = 0;
    double market_annual_t = 0;
    double market_hourly_t = 0;
  };
  std::optional<Supply> supply;
  /// With `water` (docs/cooling.md, "Water"): litres on site and off site, the run's WUE
  /// (L per kWh of IT energy), and how each was counted.
  struct Water {
    double onsite_l = 0;
    double offsite_l = 0;
    double wue_l_per_kwh = 0;
    std::string how;
  };
  std::optional<Water> water;
  // Job-level figures, from /jobs: the jobs that started here (for the total: all jobs).
  std::int64_t jobs_finished = 0;
  double jobs_energy_mwh = 0;  ///< facility energy attributed to the jobs
  double jobs_emissions_location_t = 0;
  double jobs_emissions_market_t = 0;
  /// Wait (start - submit) of the jobs that started: mean and 95th percentile (nearest
  /// rank: the ceil(0.95 n)-th smallest), h; NaN when no job started.
  double mean_wait_h = std::numeric_limits<double>::quiet_NaN();
  double p95_wait_h = std::numeric_limits<double>::quiet_NaN();

  /// The site's figures less the jobs': idle draw, and overhead while nothing runs.
  [[nodiscard]] double idle_energy_mwh() const { return energy_mwh - jobs_energy_mwh; }
  [[nodiscard]] double idle_emissions_location_t() const {
    return emissions_location_t - jobs_emissions_location_t;
  }
  [[nodiscard]] double idle_emissions_market_t() const {
    return emissions_market_t - jobs_emissions_market_t;
  }
};

/// A job whose throughput the step model predicted: its layout and precision, its MFU, and
/// where its time and energy went. Fields added to trace format 2 later (docs/trace-format.md,
/// "Additions to format 2") keep their defaults for traces written before them: empty
/// strings and vectors, nullopt, and 1 for context and virtual stages.
struct PredictedRow {
  std::string job;
  std::int64_t data = 1, tensor = 1, pipeline = 1, expert = 1, microbatches = 1;
  std::int64_t context = 1, virtual_stages = 1;
  bool auto_layout = false;
  std::string compute;    ///< "bf16", "fp16" or "fp8"; empty when the trace has no precision
  std::string recompute;  ///< "none", "selective", "full" or "dots"
  /// "fused" or "materialised"; empty in traces written before it was.
  std::string attention_scores;
  double attention_dropout = 0;
  /// Group-limited routing (0: none) and the expert dispatch; empty / 0 in traces written
  /// before they were.
  std::int64_t routing_groups = 0, routing_group_limit = 0;
  std::string dispatch_copies, dispatch_format;
  double dispatch_overlap = 0;
  std::string shard;                ///< "none", "optimizer", "gradients" or "parameters"
  std::int64_t shard_group = 0;     ///< devices per sharding group; 0: all
  std::int64_t offload_layers = 0;  ///< layers a stage offloads to host memory; 0: none
  /// The architecture's parameters, all and per token; 0 in traces written before they were.
  double parameters = 0;
  double active_parameters = 0;
  std::optional<double> expected_mfu;  ///< of the expected step, a fraction
  std::optional<double> error_band;    ///< the calibration's step-time error band, a fraction
  std::string borrowed_from;           ///< e.g. "H100 BF16"; empty when not borrowed
  double mean_step_s = 0;
  double achieved_tflops_per_device = 0;  ///< architecture FLOPs / (devices x time)
  double dropped_token_fraction = 0;
  std::optional<double> mfu;  ///< of the simulated run, a fraction
  double energy_mwh = 0;      ///< simulated: all devices, accelerators only
  /// Lower clocks in the bubble and in communication, the step time kept: the energy they
  /// would save at most (nullopt in traces written before them).
  std::optional<double> slack_saving_bubble_mwh;
  std::optional<double> slack_saving_communication_mwh;
  std::vector<std::string> phases;
  std::vector<double> phase_seconds;  ///< whole run
  std::vector<double> phase_fraction;
  std::vector<double> phase_energy_mwh;  ///< whole run, all devices; empty in older traces
  std::vector<double> phase_energy_fraction;
};

/// The comparison with a baseline (`scheduler.compare`: /summary/comparison). Traces
/// written before /summary/comparison hold a comparison with FIFO only (/summary/fifo
/// and /summary attributes): read as a `fifo` baseline, without the baseline's settings,
/// the matched jobs' emissions and the fractions saved (nullopt).
struct ComparisonRow {
  std::string baseline_policy;  ///< "fifo", "backfill" or "carbon-aware"
  std::optional<double> baseline_epoch_s;
  std::optional<double> baseline_forecast_error;  ///< a fraction (0: perfect)
  std::optional<double> baseline_tolerance;       ///< a fraction
  std::optional<std::int64_t> baseline_backfill_depth;
  // The matched jobs: those finished under both runs.
  std::int64_t jobs_compared = 0;
  std::optional<double> matched_emissions_location_t;  ///< in this run
  std::optional<double> matched_emissions_market_t;
  std::optional<double> matched_baseline_emissions_location_t;  ///< under the baseline
  std::optional<double> matched_baseline_emissions_market_t;
  double saved_location_t = 0;  ///< baseline - this run (negative: this run emitted more)
  double saved_market_t = 0;
  /// saved / the baseline's (NaN when the baseline's is 0).
  std::optional<double> saved_location_fraction;
  std::optional<double> saved_market_fraction;
  double start_delay_h = 0;  ///< mean of (start here - start under the baseline)
  // The site: all datacenters, idle draw included; this run's from /summary.
  double energy_mwh = 0;
  double emissions_location_t = 0;
  double emissions_market_t = 0;
  double baseline_energy_mwh = 0;
  double baseline_emissions_location_t = 0;
  double baseline_emissions_market_t = 0;
  double site_energy_saved_mwh = 0;  ///< baseline - this run
  double site_emissions_saved_location_t = 0;
  double site_emissions_saved_market_t = 0;
  std::int64_t baseline_jobs_finished = 0;
  double baseline_mean_wait_h = 0;  ///< over the jobs that started under the baseline
};

/// A service (the trace's /services; docs/serving.md): its figures as attributes, read by
/// name. A figure the trace does not hold is NaN.
struct ServiceRow {
  std::string name;
  /// (attribute name, value) in the trace's order.
  std::vector<std::pair<std::string, double>> figures;
  std::string datacenter;
  std::string accelerator;
  std::string serving_constants_from;
  std::string fidelity;  ///< "iteration" or "request"; empty in traces written before it
  [[nodiscard]] double get(std::string_view key) const;
};

struct Report {
  std::string scenario;
  std::int64_t job_count = 0;  ///< all jobs, even when only the first were read
  std::uint64_t seed = 0;
  std::vector<JobRow> jobs;
  std::vector<DatacenterRow> datacenters;
  DatacenterRow totals;  ///< name "total"
  std::int64_t jobs_finished = 0;
  std::int64_t restarts = 0;
  double lost_device_hours = 0;
  /// Device-hours jobs held on services' parked devices, and the times they were taken back.
  double borrowed_device_hours = 0;
  std::int64_t preemptions = 0;
  std::int64_t pauses = 0;  ///< carbon-aware pauses at checkpoints, all jobs
  double paused_h = 0;
  double mean_wait_h = 0;
  std::optional<ComparisonRow> comparison;  ///< with `scheduler.compare`
  std::vector<PredictedRow> predicted;
  std::vector<ServiceRow> services;
};

/// Reads a trace file; throws io::H5Error for a file that is not a Footprint trace. With
/// `max_jobs`, only the first jobs are kept in `jobs` (the datacenter rows and totals,
/// job-level figures included, are over every job).
Report read_report(const std::filesystem::path& trace,
                   std::size_t max_jobs = static_cast<std::size_t>(-1));

/// Reads a trace the user named (`footprint report`, `footprint compare`): what
/// read_report reads, with every problem of the file (missing, a folder, unreadable by
/// HDF5, not a Footprint trace, a format or schema it does not match) an InputError naming
/// the file. The fuzz harness footprint_fuzz_trace calls this (tests/fuzz/README.md).
Report read_user_trace(const std::filesystem::path& trace);

std::string render_table(const Report& r);
/// The table's note on embodied emissions: the accelerator types without a published
/// embodied figure and the datacenters that have them; empty when there are none.
std::string render_embodied_note(const Report& r);
/// A predicted job's block of the table: layout, precision, MFU (expected and simulated),
/// the calibration's error band and what it borrowed, then time and energy by phase
/// (each line or part only when the trace has its fields).
std::string render_predicted(const PredictedRow& p);
/// A mean start delay in words: "N h later", "N h earlier" or "at the same time" (when it
/// rounds to 0.00 h).
std::string delay_words(double hours);
/// Emissions saved in words: "saved N t", "emitted N t more" (negative), or "emitted the
/// same" (0).
std::string saving_words(double tonnes);
/// Every figure of the table: one row per job, datacenter and the total, then a row per
/// run figure (kind `summary`) and per comparison figure (kind `comparison`) with the
/// figure's name (unit in the name) and its value (docs/trace-format.md).
std::string render_csv(const Report& r);
/// {"scenario", "seed", "jobs": [...], "datacenters": [...], "totals": {...}, "summary":
/// {...}, "comparison": {...} or null}, numbers with units in the names
/// (docs/trace-format.md).
std::string render_json(const Report& r);

}  // namespace footprint::analysis
