// What the scheduler and the carbon forecast know of a datacenter: read-only, built once
// before a run and shared with its LP.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

#include "models/cooling/cooling.hpp"
#include "models/fleet/envelope.hpp"
#include "models/fleet/fleet.hpp"
#include "models/fleet/power.hpp"
#include "models/grid/carbon.hpp"
#include "models/topology/fabric.hpp"
#include "sim/engine/simulation.hpp"
#include "sim/kernel/units/quantity.hpp"

namespace footprint::models {

struct DatacenterView {
  engine::LpId lp = 0;
  std::vector<std::int64_t> inventory;    ///< per type
  std::optional<units::Watts> power_cap;  ///< facility power; none: no cap
  /// The services' devices here at full draw (TDP and host): a cap keeps room for them, as a
  /// service may scale up at any time (those lent to jobs count as the jobs').
  units::Watts services_full;
  /// With a power cap: the cooling model's envelope that starts are planned against.
  const FacilityEnvelope* envelope = nullptr;
  const CoolingModel* cooling = nullptr;
  const CarbonSignal* carbon = nullptr;
  DevicePower power;
  /// Per type: the network fabric its devices sit on, when the datacenter declares a
  /// topology (jobs then get compact blocks of it); null: devices are only counted.
  std::vector<std::shared_ptr<const Fabric>> fabrics;
  /// Per type: the services' parked devices jobs may borrow over time (empty: none). Not
  /// with a fabric (they are not in it).
  std::vector<DeviceSchedule> lendable;
};

}  // namespace footprint::models
