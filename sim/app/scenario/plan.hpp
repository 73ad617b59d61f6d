// The plan stage, between a validated Scenario and a run: the expected step of each job
// whose throughput the step model predicts, and the fleet's jobs (models::FleetJob), all
// built by one function whatever their origin (listed, a job trace, the generator).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "models/fleet/fleet.hpp"
#include "models/workloads/training.hpp"
#include "sim/app/scenario/scenario.hpp"
#include "sim/engine/time.hpp"

namespace footprint::scenario {

/// A job's candidate datacenters give it different step durations (their `network`s
/// differ): a fleet job has one.
struct CandidateNetworksDiffer : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

/// Chooses the layout of a predicted job (its keys given as `auto`, by auto_layout()) and
/// estimates its expected step on the network of its first candidate datacenter (the
/// chip's usual one with the datacenter's `network` applied; `candidates` empty: the
/// job's datacenter). Throws std::invalid_argument saying why when no layout fits (or the
/// given one does not) or the chip has no calibration for the compute format, and
/// CandidateNetworksDiffer when another candidate's network gives another step duration.
void estimate_predicted_step(models::TrainingJobSpec& job, const Scenario& sc,
                             std::span<const std::size_t> candidates);

/// A duration of the scenario in the engine's ticks.
[[nodiscard]] engine::SimTime to_sim(units::Seconds s);

/// When and how a job may run, however it was given.
struct JobTiming {
  std::optional<engine::SimTime> fixed_start;  ///< starts exactly then, not scheduled
  engine::SimTime submit;
  engine::SimTime slack;
  std::optional<units::Seconds> checkpoint_interval;
  units::Seconds checkpoint_duration;
  std::optional<units::CarbonIntensity> pause_above;
};

/// The plan of a job given by its duration, its devices' achieved fraction of peak and
/// their utilisation (job traces and generated jobs): the same rule as a listed job's.
[[nodiscard]] models::TrainingPlan duration_plan(const models::AcceleratorType& type,
                                                 std::int64_t devices, units::Seconds duration,
                                                 double mfu, double utilisation);

/// The one builder of a fleet job (its candidate datacenters are set by the caller).
[[nodiscard]] models::FleetJob fleet_job(const models::TrainingPlan& plan, std::uint32_t type,
                                         std::int64_t devices, const JobTiming& timing);

/// How many devices of `type` datacenter `dc` holds for jobs: its inventory, less the
/// devices set apart for services.
[[nodiscard]] std::int64_t inventory_of(const DatacenterSpec& dc, const std::string& type);

/// The jobs' names by job id. Given names (listed jobs, a job trace's rows) are held;
/// a generated job's name, "<class>-<ordinal>", is made when asked for: a fleet of ten
/// million generated jobs holds a class index per job, not ten million strings.
class JobNames {
 public:
  /// The next job's given name.
  void push_back(std::string name);
  /// `class_of.size()` generated jobs next: the i-th is "<classes[class_of[i]]>-<i>", the
  /// ordinal written with at least seven digits.
  void add_generated(std::vector<std::string> classes, std::vector<std::uint32_t> class_of);

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  /// Job `j`'s name; throws std::out_of_range past size().
  [[nodiscard]] std::string operator[](std::size_t j) const;

 private:
  struct Generated {
    std::size_t first = 0;  ///< job id of the first
    std::vector<std::string> classes;
    std::vector<std::uint32_t> class_of;
  };
  /// Given names, with the job id of each (in increasing order).
  std::vector<std::pair<std::size_t, std::string>> given_;
  std::vector<Generated> generated_;
  std::size_t size_ = 0;
};

/// Builds the jobs of the fleet: the scenario's own and those its generator draws.
/// Throws InputError when a generated job cannot fit anywhere.
std::shared_ptr<const models::FleetTables> build_fleet(const Scenario& sc, std::uint64_t seed,
                                                       JobNames& names);

}  // namespace footprint::scenario
