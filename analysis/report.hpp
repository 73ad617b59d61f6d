// Reading a trace file back and summarising it: the tables of `footprint run` and
// `footprint report`, always computed from the file, never from a run's memory.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace footprint::analysis {

struct JobRow {
  std::string name;
  std::string datacenter;
  std::string accelerator;
  std::int64_t devices = 0;
  std::int64_t steps = 0;
  double start_s = 0;
  double end_s = 0;
  double days = 0;
  double device_hours = 0;
  double flops = 0;
  double it_energy_mwh = 0;
  double energy_mwh = 0;  ///< facility energy (IT x PUE)
  double emissions_location_t = 0;
  double emissions_market_t = 0;
};

struct DatacenterRow {
  std::string name;
  std::string region;
  double days = 0;  ///< from the first job's start to the last job's end
  double device_hours = 0;
  double it_energy_mwh = 0;
  double energy_mwh = 0;
  double pue = 0;  ///< energy / IT energy
  double emissions_location_t = 0;
  double emissions_market_t = 0;
};

struct Report {
  std::string scenario;
  std::uint64_t seed = 0;
  std::vector<JobRow> jobs;
  std::vector<DatacenterRow> datacenters;
  DatacenterRow totals;  ///< name "total"
};

/// Reads a trace file; throws io::H5Error for a file that is not a Footprint trace.
Report read_report(const std::filesystem::path& trace);

std::string render_table(const Report& r);
std::string render_csv(const Report& r);
/// {"jobs": [...], "datacenters": [...], "totals": {...}}, flat numbers with units in
/// the names (docs/trace-format.md).
std::string render_json(const Report& r);

}  // namespace footprint::analysis
