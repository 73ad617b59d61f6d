// libFuzzer harness: trace files read back, as `footprint report` and `footprint compare`
// read them (analysis::read_user_trace, and for a sweep index the report's index branch),
// then rendered in every format and compared with themselves. Each input starts from a
// valid file of seeds/trace-files/ (a trace and a sweep index written by footprint; the
// second byte picks it); the first byte picks what is done to it (tests/fuzz/README.md,
// "Trace files"):
//  * even: damage, as a disk or a copy leaves it: runs of bytes zeroed and the file cut
//    short, by the 6-byte operations that follow;
//  * odd: the file rewritten through the HDF5 API by the operations that follow (an
//    attribute removed or given another type, shape or value; a dataset removed, retyped,
//    resized, made 2-D or a group; a group removed), so that every file is one libhdf5
//    reads safely and only Footprint's own checks are under test.
// With FOOTPRINT_FUZZ_TRACE_RAW set, an input is instead the file's bytes as they are: for
// hunting in libhdf5 by hand, not in the tests (libhdf5 crashes on crafted files).
// An input may only end in an InputError (what the CLI prints, located, with exit code 2)
// or an io::H5Error (the trace-reading error the CLI turns into one).
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <hdf5.h>

#include "analysis/compare.hpp"
#include "analysis/report.hpp"
#include "analysis/sweep_report.hpp"
#include "fuzz_util.hpp"
#include "sim/kernel/diagnostics/diagnostics.hpp"
#include "sim/kernel/hdf5/hdf5.hpp"

namespace {

namespace fs = std::filesystem;

/// The valid files every input starts from: seeds/trace-files/*, by name.
const std::vector<std::vector<char>>& base_files() {
  static const std::vector<std::vector<char>> files = [] {
    std::vector<fs::path> paths;
    for (const auto& e :
         fs::directory_iterator(FOOTPRINT_SOURCE_DIR "/tests/fuzz/seeds/trace-files")) {
      paths.push_back(e.path());
    }
    std::sort(paths.begin(), paths.end());
    std::vector<std::vector<char>> out;
    for (const auto& p : paths) {
      std::ifstream in(p, std::ios::binary);
      out.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return out;
  }();
  return files;
}

/// Reads the operation bytes one at a time; 0 once they run out.
class Bytes {
 public:
  Bytes(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bool empty() const { return pos_ >= size_; }
  std::uint8_t next() { return pos_ < size_ ? data_[pos_++] : 0; }
  std::uint64_t next64() {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) {
      v = (v << 8U) | next();
    }
    return v;
  }
  std::string text() {
    const std::size_t n = next() % 24;
    std::string s;
    for (std::size_t i = 0; i < n; ++i) {
      s.push_back(static_cast<char>(std::max<std::uint8_t>(1, next())));
    }
    return s;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

struct Objects {
  std::vector<std::string> groups;
  std::vector<std::string> datasets;
  std::vector<std::pair<std::string, std::string>> attrs;  // object path, attribute name
};

herr_t visit_attr(hid_t /*loc*/, const char* name, const H5A_info_t* /*info*/, void* data) {
  auto* where = static_cast<std::pair<Objects*, std::string>*>(data);
  where->first->attrs.emplace_back(where->second, name);
  return 0;
}

herr_t visit_object(hid_t root, const char* name, const H5O_info_t* info, void* data) {
  auto* objects = static_cast<Objects*>(data);
  const std::string path = std::strcmp(name, ".") == 0 ? "/" : "/" + std::string(name);
  if (info->type == H5O_TYPE_GROUP) {
    objects->groups.push_back(path);
  } else if (info->type == H5O_TYPE_DATASET) {
    objects->datasets.push_back(path);
  }
  std::pair<Objects*, std::string> where{objects, path};
  H5Aiterate_by_name(root, path.c_str(), H5_INDEX_CRT_ORDER, H5_ITER_INC, nullptr, visit_attr,
                     &where, H5P_DEFAULT);
  return 0;
}

Objects list_objects(hid_t file) {
  Objects objects;
  H5Ovisit(file, H5_INDEX_NAME, H5_ITER_INC, visit_object, &objects);
  return objects;
}

/// Writes a new attribute or dataset value of a type, shape and length the bytes choose.
/// `make` receives (file type, memory type, space, buffer) and creates the object. Only a
/// dataset may get a huge extent (an attribute's data is written whole).
template <class Make>
void write_value(Bytes& in, bool dataset, Make make) {
  const std::uint8_t kind = in.next() % 6;
  const std::uint8_t raw = in.next();
  const std::uint8_t count_byte = raw == 255 && !dataset ? 0 : raw;
  // Mostly short; 255 asks for an extent far beyond any file (read back as fill values).
  const hsize_t count = count_byte == 255 ? (hsize_t{1} << 40U) : count_byte % 9;
  const bool two_d = (count_byte & 0x80U) != 0 && count_byte != 255;
  const hsize_t dims2[2] = {count, 2};
  const hid_t space = count_byte == 254   ? H5Screate(H5S_SCALAR)
                      : count_byte == 253 ? H5Screate(H5S_NULL)
                      : two_d             ? H5Screate_simple(2, dims2, nullptr)
                                          : H5Screate_simple(1, &count, nullptr);
  const std::size_t n = count_byte == 255   ? 0
                        : count_byte == 254 ? 1
                        : count_byte == 253 ? 0
                                            : static_cast<std::size_t>(count * (two_d ? 2 : 1));
  switch (kind) {
    case 0: {
      std::vector<double> v(std::max<std::size_t>(1, n));
      for (auto& x : v) {
        const std::uint64_t bits = in.next64();
        std::memcpy(&x, &bits, sizeof x);
      }
      make(H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, space, v.data());
      break;
    }
    case 1:
    case 2: {
      std::vector<std::int64_t> v(std::max<std::size_t>(1, n));
      for (auto& x : v) {
        x = static_cast<std::int64_t>(in.next64());
      }
      make(kind == 1 ? H5T_STD_I64LE : H5T_STD_U64LE,
           kind == 1 ? H5T_NATIVE_INT64 : H5T_NATIVE_UINT64, space, v.data());
      break;
    }
    case 3: {
      std::vector<std::int8_t> v(std::max<std::size_t>(1, n));
      for (auto& x : v) {
        x = static_cast<std::int8_t>(in.next());
      }
      make(H5T_STD_I8LE, H5T_NATIVE_INT8, space, v.data());
      break;
    }
    case 4: {
      std::vector<std::string> s(std::max<std::size_t>(1, n));
      std::vector<const char*> p;
      for (auto& x : s) {
        x = in.text();
        p.push_back(x.c_str());
      }
      const hid_t type = H5Tcopy(H5T_C_S1);
      H5Tset_size(type, H5T_VARIABLE);
      H5Tset_cset(type, H5T_CSET_UTF8);
      make(type, type, space, p.data());
      H5Tclose(type);
      break;
    }
    default: {
      const std::string s = in.text();
      const hid_t type = H5Tcopy(H5T_C_S1);
      H5Tset_size(type, std::max<std::size_t>(1, s.size()));
      std::vector<char> buffer(std::max<std::size_t>(1, n) * std::max<std::size_t>(1, s.size()));
      for (std::size_t i = 0; i + s.size() <= buffer.size() && !s.empty(); i += s.size()) {
        std::memcpy(buffer.data() + i, s.data(), s.size());
      }
      make(type, type, space, buffer.data());
      H5Tclose(type);
      break;
    }
  }
  H5Sclose(space);
}

void mutate(hid_t file, Bytes& in) {
  for (int op = 0; op < 8 && !in.empty(); ++op) {
    const Objects o = list_objects(file);
    const std::uint8_t what = in.next() % 7;
    const std::uint8_t pick = in.next();
    if (what <= 2 && !o.attrs.empty()) {
      const auto& attr = o.attrs[pick % o.attrs.size()];
      const std::string& path = attr.first;
      const std::string& name = attr.second;
      H5Adelete_by_name(file, path.c_str(), name.c_str(), H5P_DEFAULT);
      if (what == 0) {
        continue;  // removed
      }
      const hid_t obj = H5Oopen(file, path.c_str(), H5P_DEFAULT);
      write_value(in, false, [&](hid_t file_type, hid_t mem_type, hid_t space, const void* buffer) {
        const hid_t a = H5Acreate2(obj, name.c_str(), file_type, space, H5P_DEFAULT, H5P_DEFAULT);
        if (a >= 0) {
          H5Awrite(a, mem_type, buffer);
          H5Aclose(a);
        }
      });
      H5Oclose(obj);
    } else if (what <= 5 && !o.datasets.empty()) {
      const std::string& path = o.datasets[pick % o.datasets.size()];
      H5Ldelete(file, path.c_str(), H5P_DEFAULT);
      if (what == 3) {
        continue;  // removed
      }
      if (what == 4) {
        H5Gclose(H5Gcreate2(file, path.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
        continue;
      }
      write_value(in, true, [&](hid_t file_type, hid_t mem_type, hid_t space, const void* buffer) {
        const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
        const int rank = H5Sget_simple_extent_ndims(space);
        if (rank > 0) {
          const hsize_t chunk[2] = {64, 2};
          H5Pset_chunk(dcpl, rank, chunk);
        }
        const hid_t d =
            H5Dcreate2(file, path.c_str(), file_type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
        hsize_t dims[2] = {0, 0};
        H5Sget_simple_extent_dims(space, dims, nullptr);
        // A huge extent stays unwritten: its chunks read back as fill values.
        if (d >= 0 && dims[0] < (hsize_t{1} << 40U)) {
          H5Dwrite(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer);
        }
        if (d >= 0) {
          H5Dclose(d);
        }
        H5Pclose(dcpl);
      });
    } else if (o.groups.size() > 1) {
      const std::string& path = o.groups[1 + pick % (o.groups.size() - 1)];
      H5Ldelete(file, path.c_str(), H5P_DEFAULT);
    }
  }
}

/// Damage as storage leaves it: each operation is a kind byte, a 24-bit offset and a
/// 16-bit length (little-endian); even kinds zero `length` bytes from the offset, odd
/// kinds cut the file at the offset. At most 4 operations.
void damage(std::vector<char>& file, Bytes& in) {
  for (int op = 0; op < 4 && !in.empty() && !file.empty(); ++op) {
    const std::uint8_t kind = in.next();
    std::size_t offset = in.next();
    offset |= static_cast<std::size_t>(in.next()) << 8U;
    offset |= static_cast<std::size_t>(in.next()) << 16U;
    std::size_t length = in.next();
    length |= static_cast<std::size_t>(in.next()) << 8U;
    offset %= file.size();
    if ((kind & 1U) == 0) {
      std::fill_n(file.begin() + static_cast<std::ptrdiff_t>(offset),
                  std::min(length, file.size() - offset), '\0');
    } else {
      file.resize(offset);
    }
  }
}

/// What `footprint report` and `footprint compare` do with the file.
void read_as_cli(const fs::path& path) {
  using namespace footprint;
  bool index = false;
  try {
    index = analysis::is_sweep_index(path);
    if (index) {
      for (const char* format : {"table", "csv", "json"}) {
        analysis::SweepReportOptions o;
        o.format = format;
        (void)analysis::render_sweep(analysis::read_sweep_index(path), o);
      }
    }
  } catch (const io::H5Error&) {
    return;  // report: "not a readable Footprint trace or sweep index"
  }
  if (index) {
    return;
  }
  const auto r = analysis::read_user_trace(path);
  (void)analysis::render_table(r);
  (void)analysis::render_csv(r);
  (void)analysis::render_json(r);
  for (const char* format : {"table", "csv", "json"}) {
    (void)analysis::render_compare(r, r, "a.h5", "b.h5", format);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  footprint::io::skip_hdf5_exit_handler();  // as the CLI does, before any other HDF5 call
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool raw = std::getenv("FOOTPRINT_FUZZ_TRACE_RAW") != nullptr;
  const auto path = footprint::fuzz::input_file(".h5");
  const auto& bases = base_files();
  if (raw) {
    footprint::fuzz::write_input_to(data, size, path);
  } else if (size < 2 || bases.empty()) {
    return 0;
  } else if ((data[0] & 1U) == 0) {
    std::vector<char> file = bases[data[1] % bases.size()];
    Bytes in(data + 2, size - 2);
    damage(file, in);
    footprint::fuzz::write_input_to(reinterpret_cast<const std::uint8_t*>(file.data()), file.size(),
                                    path);
  } else {
    const auto& base = bases[data[1] % bases.size()];
    footprint::fuzz::write_input_to(reinterpret_cast<const std::uint8_t*>(base.data()), base.size(),
                                    path);
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    if (file < 0) {
      __builtin_trap();  // a seed file libhdf5 cannot open: the harness is broken
    }
    Bytes in(data + 2, size - 2);
    mutate(file, in);
    H5Fclose(file);
  }
  try {
    read_as_cli(path);
  } catch (const footprint::InputError&) {
    // A located input error: what a bad trace must give.
  } catch (const footprint::io::H5Error&) {
  }
  return 0;
}
