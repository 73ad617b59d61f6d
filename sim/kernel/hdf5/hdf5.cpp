// Footprint's HDF5 layer; see hdf5.hpp for the file layout conventions.
#include "sim/kernel/hdf5/hdf5.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cerrno>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <numeric>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include <fcntl.h>
#include <fmt/format.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <unistd.h>
#include <zlib.h>

#include "sim/engine/tsan.hpp"

namespace footprint::io {

static_assert(std::is_same_v<hid_t, Hid>, "Footprint expects 64-bit HDF5 identifiers");

namespace {

namespace fs = std::filesystem;

// Bytes per chunk: 4096 float64/int64 elements.
constexpr std::size_t kChunkBytes = 32768;
constexpr unsigned kDeflateLevel = 1;  // fast; level 4 saved about 10 % more on traces

// Switches off HDF5's automatic error-stack printing for one scope and restores whatever
// was set before. The setting is HDF5's (per process in the serial library), not ours.
class QuietErrors {
 public:
  QuietErrors() noexcept {
    saved_ = H5Eget_auto2(H5E_DEFAULT, &func_, &data_) >= 0;
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  QuietErrors(const QuietErrors&) = delete;
  QuietErrors& operator=(const QuietErrors&) = delete;
  ~QuietErrors() {
    if (saved_) {
      H5Eset_auto2(H5E_DEFAULT, func_, data_);
    }
  }

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
  bool saved_ = false;
};

herr_t collect_error(unsigned /*n*/, const H5E_error2_t* err, void* data) noexcept {
  try {
    auto* out = static_cast<std::vector<std::string>*>(data);
    std::string text = err->desc != nullptr ? err->desc : "";
    char minor[256] = {};
    if (H5Eget_msg(err->min_num, nullptr, minor, sizeof minor) > 0 && minor[0] != '\0') {
      text += text.empty() ? minor : fmt::format(" ({})", minor);
    }
    out->push_back(std::move(text));
  } catch (...) {
    return -1;
  }
  return 0;
}

// HDF5's most specific description of the error just raised; clears HDF5's error stack.
std::string error_detail() {
  std::vector<std::string> parts;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, collect_error, &parts);
  H5Eclear2(H5E_DEFAULT);
  for (const auto& part : parts) {
    if (!part.empty()) {
      return part;
    }
  }
  return "unknown HDF5 error";
}

// What a failing call was working on, for the message.
struct Ctx {
  std::string_view path;
  std::string_view file;
  std::string_view attr = {};
};

std::string describe(const Ctx& c) {
  if (!c.attr.empty()) {
    return fmt::format("attribute '{}' of '{}' in file '{}'", c.attr, c.path, c.file);
  }
  return fmt::format("'{}' in file '{}'", c.path, c.file);
}

[[noreturn]] void fail(std::string_view op, const Ctx& c) {
  throw H5Error(fmt::format("HDF5: cannot {} {}: {}", op, describe(c), error_detail()));
}

[[noreturn]] void wrong(std::string_view problem, const Ctx& c) {
  H5Eclear2(H5E_DEFAULT);
  throw H5Error(fmt::format("HDF5: {} {}", describe(c), problem));
}

Handle own(hid_t id, std::string_view op, const Ctx& c) {
  if (id < 0) {
    fail(op, c);
  }
  return Handle(id);
}

void ok(herr_t rc, std::string_view op, const Ctx& c) {
  if (rc < 0) {
    fail(op, c);
  }
}

bool yes(htri_t rc, std::string_view op, const Ctx& c) {
  if (rc < 0) {
    fail(op, c);
  }
  return rc > 0;
}

herr_t close_id(hid_t id) noexcept {
  if (id < 0 || H5Iis_valid(id) <= 0) {
    return 0;  // never opened, or already closed by HDF5 (a strong file close)
  }
  switch (H5Iget_type(id)) {
    case H5I_FILE:
      return H5Fclose(id);
    case H5I_GROUP:
      return H5Gclose(id);
    case H5I_DATASET:
      return H5Dclose(id);
    case H5I_DATASPACE:
      return H5Sclose(id);
    case H5I_DATATYPE:
      return H5Tclose(id);
    case H5I_ATTR:
      return H5Aclose(id);
    case H5I_GENPROP_LST:
      return H5Pclose(id);
    default:
      return H5Idec_ref(id) < 0 ? -1 : 0;
  }
}

// Object-creation property list for groups and datasets: no modification times; the
// creation order of attributes (and, for groups, links) tracked and indexed, as netCDF-4
// does, so that tools list them in the order written.
Handle untimed(hid_t cls, const Ctx& c) {
  Handle plist = own(H5Pcreate(cls), "create property list for", c);
  ok(H5Pset_obj_track_times(plist.get(), false), "disable time tracking for", c);
  constexpr unsigned kOrder = H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED;
  ok(H5Pset_attr_creation_order(plist.get(), kOrder), "track attribute order for", c);
  if (cls == H5P_GROUP_CREATE || cls == H5P_FILE_CREATE) {
    ok(H5Pset_link_creation_order(plist.get(), kOrder), "track link order for", c);
  }
  return plist;
}

// The file-access property list of every Footprint file: 1.8 format, strong close.
Handle file_access(const Ctx& c) {
  Handle fapl = own(H5Pcreate(H5P_FILE_ACCESS), "create file access list for", c);
  ok(H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V18, H5F_LIBVER_V18),
     "set format version bounds for", c);
  ok(H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG), "set close degree for", c);
  return fapl;
}

// Variable-length UTF-8 strings, in the file and in memory (char*).
Handle vlen_string_type(const Ctx& c) {
  Handle type = own(H5Tcopy(H5T_C_S1), "create string type for", c);
  ok(H5Tset_size(type.get(), H5T_VARIABLE), "size string type for", c);
  ok(H5Tset_cset(type.get(), H5T_CSET_UTF8), "set string character set for", c);
  return type;
}

// HDF5 strings end at the first NUL: refuse one inside a value. `what` names the values.
void check_no_nul(std::string_view what, std::span<const std::string> values) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (values[i].find('\0') != std::string::npos) {
      throw std::invalid_argument(fmt::format("{} row {} contains a NUL character", what, i));
    }
  }
}

// Pointers to the strings' characters, as HDF5 writes variable-length strings.
std::vector<const char*> c_strings(std::span<const std::string> values) {
  std::vector<const char*> out;
  out.reserve(values.size());
  for (const auto& v : values) {
    out.push_back(v.c_str());
  }
  return out;
}

Handle fixed_string_type(std::size_t bytes, const Ctx& c) {
  Handle type = own(H5Tcopy(H5T_C_S1), "create string type for", c);
  ok(H5Tset_size(type.get(), std::max<std::size_t>(1, bytes)), "size string type for", c);
  ok(H5Tset_strpad(type.get(), H5T_STR_NULLPAD), "set string padding for", c);
  ok(H5Tset_cset(type.get(), H5T_CSET_UTF8), "set string character set for", c);
  return type;
}

std::size_t to_size(hssize_t n, const Ctx& c) {
  if (n < 0) {
    fail("get the extent of", c);
  }
  return static_cast<std::size_t>(n);
}

std::size_t npoints(hid_t space, const Ctx& c) {
  return to_size(H5Sget_simple_extent_npoints(space), c);
}

// Removes the padding HDF5 leaves in a fixed-length string element.
std::string unpad(const char* data, std::size_t size, H5T_str_t pad) {
  std::size_t len = 0;
  while (len < size && data[len] != '\0') {
    ++len;
  }
  if (pad == H5T_STR_SPACEPAD) {
    while (len > 0 && data[len - 1] == ' ') {
      --len;
    }
  }
  return std::string(data, len);
}

// Reads `count` strings through `read(mem_type, buffer)` where the stored element type
// is `string_type` (fixed or variable length). `wrap` turns the string element type into
// the memory type passed to `read` (identity for attributes, a one-member compound for
// table columns). Returns the strings.
template <class Wrap, class Read>
std::vector<std::string> read_strings(hid_t string_type, std::size_t count, Wrap wrap, Read read,
                                      hid_t space, const Ctx& c) {
  std::vector<std::string> out;
  out.reserve(count);
  const htri_t variable = H5Tis_variable_str(string_type);
  if (variable < 0) {
    fail("inspect the string type of", c);
  }
  if (variable > 0) {
    Handle element = own(H5Tcopy(H5T_C_S1), "create string type for", c);
    ok(H5Tset_size(element.get(), H5T_VARIABLE), "size string type for", c);
    const H5T_cset_t cset = H5Tget_cset(string_type);
    if (cset >= 0) {
      ok(H5Tset_cset(element.get(), cset), "set string character set for", c);
    }
    Handle mem = wrap(element.get(), sizeof(char*));
    std::vector<char*> ptrs(count, nullptr);
    if (count > 0) {
      ok(read(mem.get(), static_cast<void*>(ptrs.data())), "read", c);
    }
    struct Reclaim {
      hid_t type;
      hid_t space;
      std::vector<char*>& ptrs;
      ~Reclaim() {
        if (!ptrs.empty()) {
          H5Dvlen_reclaim(type, space, H5P_DEFAULT, ptrs.data());
        }
      }
    } reclaim{mem.get(), space, ptrs};
    for (const char* p : ptrs) {
      out.emplace_back(p != nullptr ? p : "");
    }
    return out;
  }
  const std::size_t size = H5Tget_size(string_type);
  if (size == 0) {
    fail("get the string size of", c);
  }
  const H5T_str_t pad = H5Tget_strpad(string_type);
  Handle element = own(H5Tcopy(string_type), "copy string type of", c);
  Handle mem = wrap(element.get(), size);
  std::vector<char> buffer(std::max<std::size_t>(1, count * size), '\0');
  if (count > 0) {
    ok(read(mem.get(), static_cast<void*>(buffer.data())), "read", c);
  }
  for (std::size_t i = 0; i < count; ++i) {
    out.push_back(unpad(buffer.data() + i * size, size, pad));
  }
  return out;
}

// An attribute opened for reading, with its type, space and element count.
struct OpenAttr {
  Handle attr;
  Handle type;
  Handle space;
  std::size_t count = 0;
  H5T_class_t cls = H5T_NO_CLASS;
};

OpenAttr open_attr(hid_t loc, std::string_view name, const Ctx& c) {
  const std::string n(name);
  OpenAttr a;
  a.attr = own(H5Aopen(loc, n.c_str(), H5P_DEFAULT), "open", c);
  a.type = own(H5Aget_type(a.attr.get()), "get the type of", c);
  a.space = own(H5Aget_space(a.attr.get()), "get the dataspace of", c);
  a.count = npoints(a.space.get(), c);
  a.cls = H5Tget_class(a.type.get());
  if (a.cls == H5T_NO_CLASS) {
    fail("get the type class of", c);
  }
  return a;
}

void require_scalar(const OpenAttr& a, const Ctx& c) {
  if (a.count != 1) {
    wrong(fmt::format("has {} elements, expected one", a.count), c);
  }
}

void write_attr(hid_t loc, std::string_view name, hid_t file_type, hid_t mem_type, hid_t space,
                const void* buffer, const Ctx& c) {
  const std::string n(name);
  if (yes(H5Aexists(loc, n.c_str()), "check for", c)) {
    ok(H5Adelete(loc, n.c_str()), "replace", c);
  }
  Handle attr =
      own(H5Acreate2(loc, n.c_str(), file_type, space, H5P_DEFAULT, H5P_DEFAULT), "create", c);
  ok(H5Awrite(attr.get(), mem_type, buffer), "write", c);
}

herr_t collect_name(const char* name, std::vector<std::string>& out) noexcept {
  try {
    out.emplace_back(name);
  } catch (...) {
    return -1;
  }
  return 0;
}

herr_t collect_attr_name(hid_t /*loc*/, const char* name, const H5A_info_t* /*info*/,
                         void* data) noexcept {
  return collect_name(name, *static_cast<std::vector<std::string>*>(data));
}

// A link's creation order and name, for list_in_creation_order.
herr_t collect_link_order(hid_t /*group*/, const char* name, const H5L_info_t* info,
                          void* data) noexcept {
  try {
    static_cast<std::vector<std::pair<std::int64_t, std::string>>*>(data)->emplace_back(
        info->corder_valid ? info->corder : 0, name);
  } catch (...) {
    return -1;
  }
  return 0;
}

herr_t collect_link_name(hid_t /*group*/, const char* name, const H5L_info_t* /*info*/,
                         void* data) noexcept {
  return collect_name(name, *static_cast<std::vector<std::string>*>(data));
}

// The most a dataset of a file can hold, by its file's size: deflate (the only filter
// Footprint writes with) expands its input at most 1032 times, so a dataset claiming more
// (an extent of 2^40 elements whose chunks were never written reads back as fill values)
// cannot be one Footprint wrote, and is refused before anything is allocated for it.
constexpr std::uint64_t kMaxDeflateRatio = 1032;

void check_extent(hid_t dataset, std::size_t count, std::size_t element_bytes, const Ctx& c) {
  Handle file = own(H5Iget_file_id(dataset), "get the file of", c);
  hsize_t file_bytes = 0;
  ok(H5Fget_filesize(file.get(), &file_bytes), "get the size of the file of", c);
  const std::uint64_t limit = kMaxDeflateRatio * std::max<std::uint64_t>(file_bytes, 1);
  if (element_bytes > 0 && count > limit / element_bytes) {
    wrong(fmt::format("claims {} elements of {} bytes, more than a file of {} bytes can hold",
                      count, element_bytes, file_bytes),
          c);
  }
}

// Opens a 1-D dataset's type and space and checks the type class.
struct OpenData {
  Handle type;
  Handle space;
  std::size_t count = 0;
};

OpenData open_vector(hid_t dataset, H5T_class_t expected, std::string_view what, const Ctx& c) {
  OpenData d;
  d.type = own(H5Dget_type(dataset), "get the type of", c);
  d.space = own(H5Dget_space(dataset), "get the dataspace of", c);
  const int rank = H5Sget_simple_extent_ndims(d.space.get());
  if (rank < 0) {
    fail("get the rank of", c);
  }
  if (rank != 1) {
    wrong(fmt::format("has rank {}, expected a 1-D dataset", rank), c);
  }
  if (H5Tget_class(d.type.get()) != expected) {
    wrong(fmt::format("is not a {} dataset", what), c);
  }
  d.count = npoints(d.space.get(), c);
  check_extent(dataset, d.count, std::max<std::size_t>(1, H5Tget_size(d.type.get())), c);
  return d;
}

bool is_unsigned64(hid_t type) {
  return H5Tget_sign(type) == H5T_SGN_NONE && H5Tget_size(type) >= 8;
}

// Global heap collections (where variable-length strings live) carry no checksum in any
// HDF5 file format, and libhdf5 1.10 trusts their object headers: an object of index 0 and
// size 0 (zeroed bytes) makes its parser loop forever, and an object running past the
// collection makes it read outside its buffer. So before libhdf5 opens a file for reading,
// every collection in it is found by its header ("GCOL", version 1, three zero bytes, a
// size of at least 4 KiB that fits in the file; a chance match in compressed data has
// odds of about 2^-56 per byte) and its object list is walked as libhdf5 walks it: each
// object must advance the walk and end inside the collection.
constexpr std::size_t kGlobalHeapHeader = 16;     // signature, version, reserved, size
constexpr std::size_t kGlobalHeapObjHeader = 16;  // index, references, reserved, size
constexpr std::size_t kGlobalHeapMinSize = 4096;

std::uint64_t little_endian(const unsigned char* p, std::size_t bytes) {
  std::uint64_t v = 0;
  for (std::size_t i = bytes; i > 0; --i) {
    v = (v << 8U) | p[i - 1];
  }
  return v;
}

// Where the collection at `at` (its header already matched) is damaged; empty if it is not.
std::string global_heap_damage(std::span<const unsigned char> file, std::size_t at) {
  const std::uint64_t size = little_endian(file.data() + at + 8, 8);
  if (size > file.size() - at) {
    return fmt::format("its size, {} bytes, runs past the end of the file", size);
  }
  const std::size_t end = at + static_cast<std::size_t>(size);
  std::size_t p = at + kGlobalHeapHeader;
  while (p < end) {
    if (end - p < kGlobalHeapObjHeader) {
      return {};  // too small for an object: free space, as libhdf5 reads it
    }
    const auto index = little_endian(file.data() + p, 2);
    const std::uint64_t object = little_endian(file.data() + p + 8, 8);
    // libhdf5's step: the header and the object padded to 8 bytes; for index 0 (free
    // space) the size already includes the header.
    const std::uint64_t step =
        index > 0 ? kGlobalHeapObjHeader + ((object + 7U) & ~std::uint64_t{7}) : object;
    if (step < kGlobalHeapObjHeader || object > end - p || step > end - p) {
      return fmt::format("object {} at byte {} has a size of {} bytes, which {}", index, p, object,
                         step < kGlobalHeapObjHeader ? "does not cover its own header"
                                                     : "runs past the collection");
    }
    p += static_cast<std::size_t>(step);
  }
  return {};
}

// Throws H5Error naming the first damaged global heap collection of the file at `path`.
void check_global_heaps(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return;  // libhdf5 reports why it cannot open the file
  }
  struct stat st {};
  const bool regular = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
  void* map =
      regular ? ::mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0)
              : MAP_FAILED;
  ::close(fd);
  if (map == MAP_FAILED) {
    return;
  }
  const std::span<const unsigned char> file(static_cast<const unsigned char*>(map),
                                            static_cast<std::size_t>(st.st_size));
  struct Unmap {
    std::span<const unsigned char> file;
    ~Unmap() { ::munmap(const_cast<unsigned char*>(file.data()), file.size()); }
  } unmap{file};
  constexpr std::array<unsigned char, 8> kSignature = {'G', 'C', 'O', 'L', 1, 0, 0, 0};
  const std::boyer_moore_horspool_searcher searcher(kSignature.begin(), kSignature.end());
  for (auto it = std::search(file.begin(), file.end(), searcher); it != file.end();
       it = std::search(it + 1, file.end(), searcher)) {
    const auto at = static_cast<std::size_t>(it - file.begin());
    if (file.size() - at < kGlobalHeapHeader ||
        little_endian(file.data() + at + 8, 8) < kGlobalHeapMinSize) {
      continue;  // not a collection's header
    }
    if (auto damage = global_heap_damage(file, at); !damage.empty()) {
      throw H5Error(fmt::format(
          "HDF5: file '{}' is damaged: the global heap collection at byte {} (where strings "
          "are stored) is corrupt: {}",
          path, at, damage));
    }
  }
}

}  // namespace

// ---------------------------------------------------------------------------- Handle

Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    if (id_ >= 0) {
      QuietErrors quiet;
      close_id(id_);
    }
    id_ = other.release();
  }
  return *this;
}

Handle::~Handle() {
  if (id_ >= 0) {
    QuietErrors quiet;
    close_id(id_);
  }
}

Hid Handle::release() noexcept {
  return std::exchange(id_, -1);
}

void Handle::close() {
  if (id_ < 0) {
    return;
  }
  QuietErrors quiet;
  const hid_t id = release();
  if (close_id(id) < 0) {
    throw H5Error(fmt::format("HDF5: cannot close identifier {}: {}", id, error_detail()));
  }
}

// ------------------------------------------------------------------------------ Node

std::string Node::child_path(std::string_view name) const {
  if (path_ == "/") {
    return fmt::format("/{}", name);
  }
  return fmt::format("{}/{}", path_, name);
}

void Node::set_attr(std::string_view name, double value) {
  QuietErrors quiet;
  const Ctx c{path_, file_, name};
  Handle space = own(H5Screate(H5S_SCALAR), "create dataspace for", c);
  write_attr(handle_.get(), name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, space.get(), &value, c);
}

void Node::set_attr(std::string_view name, std::int64_t value) {
  QuietErrors quiet;
  const Ctx c{path_, file_, name};
  Handle space = own(H5Screate(H5S_SCALAR), "create dataspace for", c);
  write_attr(handle_.get(), name, H5T_STD_I64LE, H5T_NATIVE_INT64, space.get(), &value, c);
}

void Node::set_attr(std::string_view name, std::uint64_t value) {
  QuietErrors quiet;
  const Ctx c{path_, file_, name};
  Handle space = own(H5Screate(H5S_SCALAR), "create dataspace for", c);
  write_attr(handle_.get(), name, H5T_STD_U64LE, H5T_NATIVE_UINT64, space.get(), &value, c);
}

void Node::set_attr(std::string_view name, std::string_view value) {
  QuietErrors quiet;
  const Ctx c{path_, file_, name};
  const std::string buffer(value);
  check_no_nul(fmt::format("attribute '{}'", name), std::span(&buffer, 1));
  Handle type = vlen_string_type(c);
  Handle space = own(H5Screate(H5S_SCALAR), "create dataspace for", c);
  const char* p = buffer.c_str();
  write_attr(handle_.get(), name, type.get(), type.get(), space.get(), static_cast<const void*>(&p),
             c);
}

void Node::set_attr_strings(std::string_view name, std::span<const std::string> values) {
  QuietErrors quiet;
  const Ctx c{path_, file_, name};
  check_no_nul(fmt::format("attribute '{}'", name), values);
  Handle type = vlen_string_type(c);
  const hsize_t dims[1] = {values.size()};
  Handle space = own(H5Screate_simple(1, dims, nullptr), "create dataspace for", c);
  const auto ptrs = c_strings(values);
  const char* none = "";
  write_attr(handle_.get(), name, type.get(), type.get(), space.get(),
             ptrs.empty() ? static_cast<const void*>(&none) : static_cast<const void*>(ptrs.data()),
             c);
}

void Node::set_attr_int64s(std::string_view name, std::span<const std::int64_t> values) {
  QuietErrors quiet;
  const Ctx c{path_, file_, name};
  const hsize_t dims[1] = {values.size()};
  Handle space = own(H5Screate_simple(1, dims, nullptr), "create dataspace for", c);
  const std::int64_t none = 0;
  write_attr(handle_.get(), name, H5T_STD_I64LE, H5T_NATIVE_INT64, space.get(),
             values.empty() ? &none : values.data(), c);
}

double Node::get_attr_double(std::string_view name) const {
  QuietErrors quiet;
  const Ctx c{path_, file_, name};
  const OpenAttr a = open_attr(handle_.get(), name, c);
  require_scalar(a, c);
  if (a.cls != H5T_FLOAT && a.cls != H5T_INTEGER) {
    wrong("is not numeric", c);
  }
  double value = 0.0;
  ok(H5Aread(a.attr.get(), H5T_NATIVE_DOUBLE, &value), "read", c);
  return value;
}

std::int64_t Node::get_attr_int64(std::string_view name) const {
  QuietErrors quiet;
  const Ctx c{path_, file_, name};
  const OpenAttr a = open_attr(handle_.get(), name, c);
  require_scalar(a, c);
  if (a.cls != H5T_INTEGER) {
    wrong("is not an integer", c);
  }
  if (is_unsigned64(a.type.get())) {
    std::uint64_t value = 0;
    ok(H5Aread(a.attr.get(), H5T_NATIVE_UINT64, &value), "read", c);
    if (value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      wrong(fmt::format("value {} does not fit in int64", value), c);
    }
    return static_cast<std::int64_t>(value);
  }
  std::int64_t value = 0;
  ok(H5Aread(a.attr.get(), H5T_NATIVE_INT64, &value), "read", c);
  return value;
}

std::uint64_t Node::get_attr_uint64(std::string_view name) const {
  QuietErrors quiet;
  const Ctx c{path_, file_, name};
  const OpenAttr a = open_attr(handle_.get(), name, c);
  require_scalar(a, c);
  if (a.cls != H5T_INTEGER) {
    wrong("is not an integer", c);
  }
  if (H5Tget_sign(a.type.get()) == H5T_SGN_NONE) {
    std::uint64_t value = 0;
    ok(H5Aread(a.attr.get(), H5T_NATIVE_UINT64, &value), "read", c);
    return value;
  }
  std::int64_t value = 0;
  ok(H5Aread(a.attr.get(), H5T_NATIVE_INT64, &value), "read", c);
  if (value < 0) {
    wrong(fmt::format("value {} is negative", value), c);
  }
  return static_cast<std::uint64_t>(value);
}

std::vector<std::string> Node::get_attr_strings(std::string_view name) const {
  QuietErrors quiet;
  const Ctx c{path_, file_, name};
  const OpenAttr a = open_attr(handle_.get(), name, c);
  if (a.cls != H5T_STRING) {
    wrong("is not a string", c);
  }
  const hid_t attr = a.attr.get();
  return read_strings(
      a.type.get(), a.count,
      [&c](hid_t element, std::size_t) { return own(H5Tcopy(element), "copy the type of", c); },
      [attr](hid_t mem, void* buffer) { return H5Aread(attr, mem, buffer); }, a.space.get(), c);
}

std::vector<std::int64_t> Node::get_attr_int64s(std::string_view name) const {
  QuietErrors quiet;
  const Ctx c{path_, file_, name};
  const OpenAttr a = open_attr(handle_.get(), name, c);
  if (a.cls != H5T_INTEGER) {
    wrong("is not an integer", c);
  }
  if (is_unsigned64(a.type.get())) {
    wrong("is unsigned 64-bit, expected int64", c);
  }
  std::vector<std::int64_t> values(a.count);
  if (!values.empty()) {
    ok(H5Aread(a.attr.get(), H5T_NATIVE_INT64, values.data()), "read", c);
  }
  return values;
}

std::string Node::get_attr_string(std::string_view name) const {
  auto values = get_attr_strings(name);
  if (values.size() != 1) {
    QuietErrors quiet;
    wrong(fmt::format("has {} elements, expected one", values.size()), Ctx{path_, file_, name});
  }
  return std::move(values.front());
}

bool Node::has_attr(std::string_view name) const {
  QuietErrors quiet;
  const Ctx c{path_, file_, name};
  const std::string n(name);
  return yes(H5Aexists(handle_.get(), n.c_str()), "check for", c);
}

std::vector<std::string> Node::attr_names() const {
  QuietErrors quiet;
  const Ctx c{path_, file_};
  std::vector<std::string> names;
  // Native order, sorted here: libhdf5 1.10 sorts other orders in a table that, when
  // reading the file fails halfway (an incorrect checksum), it frees whole, entries never
  // filled included (a crash on a damaged file; tests/fuzz/README.md, "Trace files").
  ok(H5Aiterate2(handle_.get(), H5_INDEX_NAME, H5_ITER_NATIVE, nullptr, collect_attr_name, &names),
     "list the attributes of", c);
  std::sort(names.begin(), names.end());
  return names;
}

void Node::remove_attr(std::string_view name) {
  QuietErrors quiet;
  const Ctx c{path_, file_, name};
  const std::string n(name);
  ok(H5Adelete(handle_.get(), n.c_str()), "remove", c);
}

// --------------------------------------------------------------------------- Dataset

std::size_t Dataset::size() const {
  QuietErrors quiet;
  const Ctx c{path_, file_};
  Handle space = own(H5Dget_space(handle_.get()), "get the dataspace of", c);
  return npoints(space.get(), c);
}

std::vector<double> Dataset::read_double() const {
  QuietErrors quiet;
  const Ctx c{path_, file_};
  const OpenData d = open_vector(handle_.get(), H5T_FLOAT, "floating-point", c);
  std::vector<double> values(d.count);
  if (d.count > 0) {
    ok(H5Dread(handle_.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
       "read", c);
  }
  return values;
}

std::vector<std::int64_t> Dataset::read_int64() const {
  QuietErrors quiet;
  const Ctx c{path_, file_};
  const OpenData d = open_vector(handle_.get(), H5T_INTEGER, "integer", c);
  std::vector<std::int64_t> values(d.count);
  if (d.count == 0) {
    return values;
  }
  if (is_unsigned64(d.type.get())) {
    std::vector<std::uint64_t> raw(d.count);
    ok(H5Dread(handle_.get(), H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()), "read",
       c);
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        wrong(fmt::format("element {} = {} does not fit in int64", i, raw[i]), c);
      }
      values[i] = static_cast<std::int64_t>(raw[i]);
    }
    return values;
  }
  ok(H5Dread(handle_.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), "read",
     c);
  return values;
}

void Dataset::make_scale(std::string_view dimension) {
  QuietErrors quiet;
  const Ctx c{path_, file_};
  const std::string n(dimension);
  ok(H5DSset_scale(handle_.get(), n.c_str()), "make a dimension scale of", c);
}

void Dataset::attach_scale(const Dataset& scale, unsigned axis) {
  QuietErrors quiet;
  const Ctx c{path_, file_};
  ok(H5DSattach_scale(handle_.get(), scale.handle().get(), axis),
     fmt::format("attach dimension scale {} to", scale.path()), c);
}

// ----------------------------------------------------------------------------- Group

Group Group::create_group(std::string_view name) {
  QuietErrors quiet;
  std::string path = child_path(name);
  const Ctx c{path, file_};
  Handle gcpl = untimed(H5P_GROUP_CREATE, c);
  const std::string n(name);
  Handle g = own(H5Gcreate2(handle_.get(), n.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT),
                 "create group", c);
  return Group(std::move(g), std::move(path), file_);
}

void Group::create_external_link(std::string_view name, const std::string& file,
                                 const std::string& object) {
  QuietErrors quiet;
  const std::string path = child_path(name);
  const Ctx c{path, file_};
  const std::string n(name);
  if (H5Lcreate_external(file.c_str(), object.c_str(), handle_.get(), n.c_str(), H5P_DEFAULT,
                         H5P_DEFAULT) < 0) {
    fail("create external link", c);
  }
}

Group Group::open_group(std::string_view name) const {
  QuietErrors quiet;
  std::string path = child_path(name);
  const Ctx c{path, file_};
  const std::string n(name);
  Handle g = own(H5Gopen2(handle_.get(), n.c_str(), H5P_DEFAULT), "open group", c);
  return Group(std::move(g), std::move(path), file_);
}

Dataset Group::open_dataset(std::string_view name) const {
  QuietErrors quiet;
  std::string path = child_path(name);
  const Ctx c{path, file_};
  const std::string n(name);
  Handle d = own(H5Dopen2(handle_.get(), n.c_str(), H5P_DEFAULT), "open dataset", c);
  return Dataset(std::move(d), std::move(path), file_);
}

bool Group::has(std::string_view name) const {
  QuietErrors quiet;
  const std::string path = child_path(name);
  const Ctx c{path, file_};
  if (name.empty()) {
    return false;
  }
  // H5Lexists fails rather than answering for "a/b" when "a" is missing: check each prefix.
  std::size_t pos = 0;
  while (true) {
    const std::size_t slash = name.find('/', pos);
    const std::string prefix(name.substr(0, slash));
    if (slash != pos && !yes(H5Lexists(handle_.get(), prefix.c_str(), H5P_DEFAULT), "look up", c)) {
      return false;
    }
    if (slash == std::string_view::npos) {
      return true;
    }
    pos = slash + 1;
    if (pos == name.size()) {
      return true;
    }
  }
}

std::vector<std::string> Group::list_in_creation_order() const {
  QuietErrors quiet;
  const Ctx c{path_, file_};
  Handle gcpl = own(H5Gget_create_plist(handle_.get()), "get the creation list of", c);
  unsigned flags = 0;
  ok(H5Pget_link_creation_order(gcpl.get(), &flags), "get the link order of", c);
  if ((flags & H5P_CRT_ORDER_INDEXED) == 0) {
    return list();
  }
  // Native order, sorted here (as in attr_names).
  std::vector<std::pair<std::int64_t, std::string>> links;
  ok(H5Literate(handle_.get(), H5_INDEX_CRT_ORDER, H5_ITER_NATIVE, nullptr, collect_link_order,
                &links),
     "list the members of", c);
  std::sort(links.begin(), links.end());
  std::vector<std::string> names;
  names.reserve(links.size());
  for (auto& link : links) {
    names.push_back(std::move(link.second));
  }
  return names;
}

bool Group::is_group(std::string_view name) const {
  if (!has(name)) {
    return false;
  }
  QuietErrors quiet;
  const std::string path = child_path(name);
  const Ctx c{path, file_};
  const std::string n(name);
  H5O_info_t info{};
  ok(H5Oget_info_by_name2(handle_.get(), n.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT), "inspect",
     c);
  return info.type == H5O_TYPE_GROUP;
}

std::vector<std::string> Group::list() const {
  QuietErrors quiet;
  const Ctx c{path_, file_};
  std::vector<std::string> names;
  // Native order, sorted here (as in attr_names).
  ok(H5Literate(handle_.get(), H5_INDEX_NAME, H5_ITER_NATIVE, nullptr, collect_link_name, &names),
     "list the members of", c);
  std::sort(names.begin(), names.end());
  return names;
}

namespace {

/// Elements per chunk of a 1-D dataset: about kChunkBytes, at least 1, at most count.
std::size_t chunk_elements(std::size_t count, std::size_t element_bytes) {
  return std::clamp<std::size_t>(kChunkBytes / std::max<std::size_t>(1, element_bytes), 1,
                                 std::max<std::size_t>(1, count));
}

/// Compresses one chunk as the dataset's filters would (shuffle, then deflate): the
/// `per_chunk` elements from `first` (zero-padded past `count`, as HDF5 stores edge chunks).
struct ChunkCompressor {
  footprint::engine::TsanReuse reuse;  // first: copies live in pooled task memory
  const unsigned char* data;
  std::size_t count;
  std::size_t element_bytes;
  std::size_t per_chunk;
  std::vector<std::vector<unsigned char>>* out;

  ChunkCompressor(const unsigned char* d, std::size_t n, std::size_t eb, std::size_t pc,
                  std::vector<std::vector<unsigned char>>* o)
      : data(d), count(n), element_bytes(eb), per_chunk(pc), out(o) {
    footprint::engine::tsan_release(this);
  }
  // Copied by the thread that spawns a task, run by another: see sim/engine/tsan.hpp.
  ChunkCompressor(const ChunkCompressor& o)
      : reuse(),
        data(acquired(o).data),
        count(o.count),
        element_bytes(o.element_bytes),
        per_chunk(o.per_chunk),
        out(o.out) {
    footprint::engine::tsan_release(this);
  }
  ChunkCompressor& operator=(const ChunkCompressor&) = delete;
  ~ChunkCompressor() = default;
  static const ChunkCompressor& acquired(const ChunkCompressor& o) {
    footprint::engine::tsan_acquire(&o);
    return o;
  }

  void operator()(const tbb::blocked_range<std::size_t>& r) const {
    footprint::engine::tsan_acquire(this);
    const unsigned char* const src = data;
    const std::size_t n_total = count;
    const std::size_t eb = element_bytes;
    const std::size_t pc = per_chunk;
    auto& chunks = *out;
    footprint::engine::tsan_release(this);  // done with this object: its memory may be reused
    const std::size_t bytes = pc * eb;
    std::vector<unsigned char> raw(bytes);
    std::vector<unsigned char> shuffled(bytes);
    for (std::size_t k = r.begin(); k != r.end(); ++k) {
      const std::size_t first = k * pc;
      const std::size_t n = std::min(pc, n_total - first);
      std::fill(raw.begin(), raw.end(), 0);
      std::memcpy(raw.data(), src + first * eb, n * eb);
      for (std::size_t b = 0; b < eb; ++b) {
        for (std::size_t i = 0; i < pc; ++i) {
          shuffled[b * pc + i] = raw[i * eb + b];
        }
      }
      auto& z = chunks[k];
      uLongf size = compressBound(static_cast<uLong>(bytes));
      z.resize(size);
      if (compress2(z.data(), &size, shuffled.data(), static_cast<uLong>(bytes),
                    static_cast<int>(kDeflateLevel)) != Z_OK) {
        z.clear();  // reported by the writer
        continue;
      }
      z.resize(size);
      footprint::engine::tsan_release(&z);
    }
  }
};

/// Writes `count` elements of `element_bytes` (already in the file's layout) to a 1-D
/// dataset made by create_chunked: chunks are shuffled and deflated in parallel (in the
/// caller's oneTBB arena), then written in order with H5Dwrite_chunk. The bytes are those
/// the filter pipeline would write, so the file is the same at any thread count.
void write_chunks(hid_t dset, const void* data, std::size_t count, std::size_t element_bytes,
                  const Ctx& c) {
  const std::size_t per_chunk = chunk_elements(count, element_bytes);
  const std::size_t chunks = (count + per_chunk - 1) / per_chunk;
  std::vector<std::vector<unsigned char>> out(chunks);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, chunks, 8),
                    ChunkCompressor(static_cast<const unsigned char*>(data), count, element_bytes,
                                    per_chunk, &out));
  for (std::size_t k = 0; k < chunks; ++k) {
    footprint::engine::tsan_acquire(&out[k]);
    if (out[k].empty()) {
      fail("compress a chunk of", c);
    }
    const hsize_t offset[1] = {static_cast<hsize_t>(k * per_chunk)};
    ok(H5Dwrite_chunk(dset, H5P_DEFAULT, 0, offset, out[k].size(), out[k].data()),
       "write a chunk of", c);
  }
}

}  // namespace

Dataset Group::create_chunked(std::string_view name, Hid file_type, std::size_t count,
                              std::size_t element_bytes) {
  std::string path = child_path(name);
  const Ctx c{path, file_};
  const hsize_t dims[1] = {count};
  const hsize_t maxdims[1] = {count == 0 ? H5S_UNLIMITED : count};
  Handle space = own(H5Screate_simple(1, dims, maxdims), "create dataspace for", c);
  const hsize_t chunk[1] = {chunk_elements(count, element_bytes)};
  Handle dcpl = untimed(H5P_DATASET_CREATE, c);
  ok(H5Pset_chunk(dcpl.get(), 1, chunk), "set chunking for", c);
  ok(H5Pset_shuffle(dcpl.get()), "set the shuffle filter for", c);
  ok(H5Pset_deflate(dcpl.get(), kDeflateLevel), "set compression for", c);
  const std::string n(name);
  Handle d = own(H5Dcreate2(handle_.get(), n.c_str(), file_type, space.get(), H5P_DEFAULT,
                            dcpl.get(), H5P_DEFAULT),
                 "create dataset", c);
  return Dataset(std::move(d), std::move(path), file_);
}

template <class T>
Dataset Group::write_numbers(std::string_view name, std::span<const T> values, Hid file_type,
                             std::string_view units) {
  QuietErrors quiet;
  static_assert(std::endian::native == std::endian::little, "the file stores little-endian");
  Dataset d = create_chunked(name, file_type, values.size(), sizeof(T));
  if (!values.empty()) {
    write_chunks(d.handle().get(), values.data(), values.size(), sizeof(T), Ctx{d.path(), file_});
  }
  d.set_attr("units", units);
  return d;
}

Dataset Group::write_vector(std::string_view name, std::span<const double> values,
                            std::string_view units) {
  return write_numbers(name, values, H5T_IEEE_F64LE, units);
}

Dataset Group::write_vector(std::string_view name, std::span<const std::int64_t> values,
                            std::string_view units) {
  return write_numbers(name, values, H5T_STD_I64LE, units);
}

Dataset Group::write_strings(std::string_view name, std::span<const std::string> values) {
  QuietErrors quiet;
  std::string path = child_path(name);
  const Ctx c{path, file_};
  check_no_nul(path, values);
  Handle type = vlen_string_type(c);
  // Variable-length elements are heap references in the file: HDF5 writes and compresses
  // them itself (H5Dwrite_chunk cannot).
  Dataset d = create_chunked(name, type.get(), values.size(), sizeof(hvl_t));
  if (!values.empty()) {
    const auto ptrs = c_strings(values);
    ok(H5Dwrite(d.handle().get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()), "write",
       c);
  }
  return d;
}

Dataset Group::write_strings(std::string_view name, std::size_t count,
                             const StringBlockFill& fill) {
  QuietErrors quiet;
  std::string path = child_path(name);
  const Ctx c{path, file_};
  Handle type = vlen_string_type(c);
  Dataset d = create_chunked(name, type.get(), count, sizeof(hvl_t));
  // Whole chunks per block: each chunk is written (and compressed) once.
  constexpr std::size_t kBlockRows = 1 << 16;
  const std::size_t per_chunk = chunk_elements(count, sizeof(hvl_t));
  const std::size_t block = std::max<std::size_t>(1, kBlockRows / per_chunk) * per_chunk;
  Handle file_space = own(H5Dget_space(d.handle().get()), "get the dataspace of", c);
  std::vector<std::string> rows;
  for (std::size_t first = 0; first < count; first += block) {
    rows.assign(std::min(block, count - first), std::string());
    fill(first, rows);
    check_no_nul(fmt::format("{} (rows from {})", path, first), rows);
    const auto ptrs = c_strings(rows);
    const hsize_t start[1] = {first};
    const hsize_t size[1] = {rows.size()};
    ok(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, size, nullptr),
       "select rows of", c);
    Handle memory = own(H5Screate_simple(1, size, nullptr), "create dataspace for", c);
    ok(H5Dwrite(d.handle().get(), type.get(), memory.get(), file_space.get(), H5P_DEFAULT,
                ptrs.data()),
       "write", c);
  }
  return d;
}

Dataset Group::write_matrix(std::string_view name, std::span<const double> values, std::size_t rows,
                            std::size_t cols, std::string_view units) {
  QuietErrors quiet;
  std::string path = child_path(name);
  const Ctx c{path, file_};
  if (values.size() != rows * cols) {
    throw std::invalid_argument(
        fmt::format("{}: {} values for a {} x {} matrix", path, values.size(), rows, cols));
  }
  const hsize_t dims[2] = {rows, cols};
  Handle space = own(H5Screate_simple(2, dims, nullptr), "create dataspace for", c);
  Handle dcpl = untimed(H5P_DATASET_CREATE, c);
  if (rows > 0 && cols > 0) {
    const hsize_t chunk[2] = {std::clamp<hsize_t>(kChunkBytes / (sizeof(double) * cols), 1, rows),
                              cols};
    ok(H5Pset_chunk(dcpl.get(), 2, chunk), "set chunking for", c);
    ok(H5Pset_shuffle(dcpl.get()), "set the shuffle filter for", c);
    ok(H5Pset_deflate(dcpl.get(), kDeflateLevel), "set compression for", c);
  }
  const std::string n(name);
  Handle h = own(H5Dcreate2(handle_.get(), n.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT,
                            dcpl.get(), H5P_DEFAULT),
                 "create dataset", c);
  Dataset d(std::move(h), std::move(path), file_);
  if (!values.empty()) {
    ok(H5Dwrite(d.handle().get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
       "write", c);
  }
  d.set_attr("units", units);
  return d;
}

Dataset Group::create_dimension(std::string_view name, std::size_t size) {
  QuietErrors quiet;
  std::string path = child_path(name);
  const Ctx c{path, file_};
  const hsize_t dims[1] = {size};
  Handle space = own(H5Screate_simple(1, dims, nullptr), "create dataspace for", c);
  Handle dcpl = untimed(H5P_DATASET_CREATE, c);
  const std::string n(name);
  Handle h = own(H5Dcreate2(handle_.get(), n.c_str(), H5T_IEEE_F32LE, space.get(), H5P_DEFAULT,
                            dcpl.get(), H5P_DEFAULT),
                 "create dataset", c);
  Dataset d(std::move(h), std::move(path), file_);
  // The name netCDF-4 gives a dimension that has no coordinate variable; netCDF-4 and
  // h5netcdf recognise it by this prefix, followed by the length in ten characters.
  d.make_scale(fmt::format("This is a netCDF dimension but not a netCDF variable.{:10d}", size));
  return d;
}

Dataset Group::write_vector(std::string_view name, std::span<const std::uint64_t> values,
                            std::string_view units) {
  return write_numbers(name, values, H5T_STD_U64LE, units);
}

std::vector<double> Group::read_vector_double(std::string_view name) const {
  return open_dataset(name).read_double();
}

std::vector<std::int64_t> Group::read_vector_int64(std::string_view name) const {
  return open_dataset(name).read_int64();
}

// ------------------------------------------------------------------------------ File

File File::create(const std::filesystem::path& path) {
  QuietErrors quiet;
  const std::string name = path.string();
  const Ctx c{"/", name};
  // The root group is created with the file-creation list, which is also an
  // object-creation list: no modification time on it either.
  Handle fcpl = untimed(H5P_FILE_CREATE, c);
  Handle fapl = file_access(c);
  const hid_t id = H5Fcreate(name.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get());
  if (id < 0) {
    throw H5Error(fmt::format("HDF5: cannot create file '{}': {}", name, error_detail()));
  }
  return File(Handle(id), path);
}

File File::open_read(const std::filesystem::path& path) {
  QuietErrors quiet;
  const std::string name = path.string();
  const Ctx c{"/", name};
  check_global_heaps(name);
  Handle fapl = own(H5Pcreate(H5P_FILE_ACCESS), "create file access list for", c);
  ok(H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG), "set close degree for", c);
  const hid_t id = H5Fopen(name.c_str(), H5F_ACC_RDONLY, fapl.get());
  if (id < 0) {
    throw H5Error(fmt::format("HDF5: cannot open file '{}' for reading: {}", name, error_detail()));
  }
  return File(Handle(id), path);
}

Group File::root() const {
  QuietErrors quiet;
  const std::string name = path_.string();
  Handle g = own(H5Gopen2(handle_.get(), "/", H5P_DEFAULT), "open group", Ctx{"/", name});
  return Group(std::move(g), "/", name);
}

void File::close() {
  if (!handle_.valid()) {
    return;
  }
  QuietErrors quiet;
  const hid_t id = handle_.release();
  if (close_id(id) < 0) {
    throw H5Error(fmt::format("HDF5: cannot close file '{}': {}", path_.string(), error_detail()));
  }
}

// ------------------------------------------------------------------------ TableWriter

void TableWriter::add(std::string name, std::string units, Values values, std::size_t count) {
  if (name.empty()) {
    throw std::invalid_argument("table column names must not be empty");
  }
  for (const auto& column : columns_) {
    if (column.name == name) {
      throw std::invalid_argument(fmt::format("table column '{}' added twice", name));
    }
  }
  if (!columns_.empty() && count != rows_) {
    throw std::invalid_argument(
        fmt::format("table column '{}' has {} rows, the table has {}", name, count, rows_));
  }
  rows_ = count;
  columns_.push_back(Column{std::move(name), std::move(units), std::move(values)});
}

namespace {

void check_column_no_nul(const std::string& column, std::span<const std::string> values) {
  check_no_nul(fmt::format("table column '{}'", column), values);
}

}  // namespace

void TableWriter::add_double_column(std::string name, std::span<const double> values,
                                    std::string units) {
  add(std::move(name), std::move(units), std::vector<double>(values.begin(), values.end()),
      values.size());
}

void TableWriter::add_int64_column(std::string name, std::span<const std::int64_t> values,
                                   std::string units) {
  add(std::move(name), std::move(units), std::vector<std::int64_t>(values.begin(), values.end()),
      values.size());
}

void TableWriter::add_uint64_column(std::string name, std::span<const std::uint64_t> values,
                                    std::string units) {
  add(std::move(name), std::move(units), std::vector<std::uint64_t>(values.begin(), values.end()),
      values.size());
}

void TableWriter::add_string_column(std::string name, std::span<const std::string> values,
                                    std::string units) {
  check_column_no_nul(name, values);
  add(std::move(name), std::move(units), std::vector<std::string>(values.begin(), values.end()),
      values.size());
}

void TableWriter::add_double_column(std::string name, std::vector<double>&& values,
                                    std::string units) {
  const auto n = values.size();
  add(std::move(name), std::move(units), std::move(values), n);
}

void TableWriter::add_int64_column(std::string name, std::vector<std::int64_t>&& values,
                                   std::string units) {
  const auto n = values.size();
  add(std::move(name), std::move(units), std::move(values), n);
}

void TableWriter::add_string_column(std::string name, std::vector<std::string>&& values,
                                    std::string units) {
  check_column_no_nul(name, values);
  const auto n = values.size();
  add(std::move(name), std::move(units), std::move(values), n);
}

void TableWriter::describe(std::string_view column, std::string text) {
  for (auto& c : columns_) {
    if (c.name == column) {
      c.description = std::move(text);
      return;
    }
  }
  throw std::invalid_argument(fmt::format("table has no column '{}' to describe", column));
}

ColumnWriter::ColumnWriter(Group& parent, std::string_view name, std::string_view dimension,
                           std::size_t rows, bool own_coordinate)
    : group_(parent.create_group(name)), dimension_(dimension), rows_(rows) {
  if (!own_coordinate) {
    std::vector<std::int64_t> numbers(rows_);
    std::iota(numbers.begin(), numbers.end(), std::int64_t{0});
    scale_.emplace(group_.write_vector(dimension, std::span<const std::int64_t>(numbers), "1"));
    scale_->set_attr("long_name", "row number");
    scale_->make_scale(dimension);
  }
}

void ColumnWriter::check(std::string_view name, std::size_t size) const {
  if (size != rows_) {
    throw std::invalid_argument(
        fmt::format("{}: column '{}' has {} rows, the table {}", group_.path(), name, size, rows_));
  }
  if (name == dimension_ && scale_) {
    throw std::invalid_argument(
        fmt::format("{}: column '{}' is the dimension, already written", group_.path(), name));
  }
}

void ColumnWriter::add(Dataset d, std::string_view name, std::string_view description) {
  if (!description.empty()) {
    d.set_attr("long_name", std::string(description));
  }
  if (name == dimension_) {
    d.make_scale(dimension_);
    scale_.emplace(std::move(d));
  } else {
    data_.push_back(std::move(d));
  }
}

void ColumnWriter::write(std::string_view name, std::span<const double> values,
                         std::string_view units, std::string_view description) {
  check(name, values.size());
  add(group_.write_vector(name, values, units), name, description);
}

void ColumnWriter::write(std::string_view name, std::span<const std::int64_t> values,
                         std::string_view units, std::string_view description) {
  check(name, values.size());
  add(group_.write_vector(name, values, units), name, description);
}

void ColumnWriter::write(std::string_view name, std::span<const std::uint64_t> values,
                         std::string_view units, std::string_view description) {
  check(name, values.size());
  add(group_.write_vector(name, values, units), name, description);
}

void ColumnWriter::write(std::string_view name, std::span<const std::string> values,
                         std::string_view units, std::string_view description) {
  check(name, values.size());
  Dataset d = group_.write_strings(name, values);
  if (!units.empty()) {
    d.set_attr("units", std::string(units));
  }
  add(std::move(d), name, description);
}

void ColumnWriter::write(std::string_view name, const Group::StringBlockFill& fill,
                         std::string_view units, std::string_view description) {
  check(name, rows_);
  Dataset d = group_.write_strings(name, rows_, fill);
  if (!units.empty()) {
    d.set_attr("units", std::string(units));
  }
  add(std::move(d), name, description);
}

Group ColumnWriter::finish() && {
  if (!scale_) {
    throw std::invalid_argument(
        fmt::format("{}: no column '{}' was written", group_.path(), dimension_));
  }
  for (auto& d : data_) {
    d.attach_scale(*scale_);
  }
  data_.clear();
  return std::move(group_);
}

Group TableWriter::write_columns(Group& group, std::string_view name,
                                 std::string_view dimension) const {
  if (columns_.empty()) {
    throw std::invalid_argument(fmt::format("table '{}' has no columns", name));
  }
  const bool own_coordinate =
      std::any_of(columns_.begin(), columns_.end(),
                  [&](const Column& column) { return column.name == dimension; });
  ColumnWriter w(group, name, dimension, rows_, own_coordinate);
  for (const auto& column : columns_) {
    std::visit(
        [&](const auto& values) {
          w.write(column.name, std::span(values), column.units, column.description);
        },
        column.values);
  }
  return std::move(w).finish();
}

Dataset TableWriter::write(Group& group, std::string_view name) const {
  if (columns_.empty()) {
    throw std::invalid_argument(fmt::format("table '{}' has no columns", name));
  }
  QuietErrors quiet;
  const std::string path = fmt::format("{}/{}", group.path() == "/" ? "" : group.path(), name);
  const Ctx c{path, group.file_name()};

  // Packed layout, columns in the order added, little-endian: the buffer is packed in the
  // file's layout and written as raw chunks, without a memory type.
  std::vector<std::size_t> widths;
  std::vector<std::size_t> offsets;
  std::size_t row_bytes = 0;
  for (const auto& column : columns_) {
    std::size_t width = 8;
    if (const auto* strings = std::get_if<std::vector<std::string>>(&column.values)) {
      width = 1;
      for (const auto& s : *strings) {
        width = std::max(width, s.size());
      }
    }
    offsets.push_back(row_bytes);
    widths.push_back(width);
    row_bytes += width;
  }

  Handle file_type = own(H5Tcreate(H5T_COMPOUND, row_bytes), "create the row type of", c);
  std::vector<Handle> string_types;
  for (std::size_t k = 0; k < columns_.size(); ++k) {
    const Column& column = columns_[k];
    hid_t stored = -1;
    if (std::holds_alternative<std::vector<double>>(column.values)) {
      stored = H5T_IEEE_F64LE;
    } else if (std::holds_alternative<std::vector<std::int64_t>>(column.values)) {
      stored = H5T_STD_I64LE;
    } else if (std::holds_alternative<std::vector<std::uint64_t>>(column.values)) {
      stored = H5T_STD_U64LE;
    } else {
      string_types.push_back(fixed_string_type(widths[k], c));
      stored = string_types.back().get();
    }
    ok(H5Tinsert(file_type.get(), column.name.c_str(), offsets[k], stored),
       "add a column to the row type of", c);
  }
  // Rows are packed in parallel (in the caller's oneTBB arena), each block of rows whole:
  // zeroed (strings are padded with NULs), then every column's values copied in.
  const std::size_t buffer_bytes = std::max<std::size_t>(1, rows_ * row_bytes);
  const std::unique_ptr<unsigned char[]> buffer(new unsigned char[buffer_bytes]);
  constexpr std::size_t kRowsPerTask = 4096;
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, rows_, kRowsPerTask), [&](const auto& r) {
    unsigned char* const base = buffer.get();
    std::memset(base + r.begin() * row_bytes, 0, (r.end() - r.begin()) * row_bytes);
    for (std::size_t k = 0; k < columns_.size(); ++k) {
      std::visit(
          [&](const auto& values) {
            for (std::size_t i = r.begin(); i != r.end(); ++i) {
              unsigned char* const cell = base + i * row_bytes + offsets[k];
              if constexpr (std::is_same_v<std::decay_t<decltype(values[i])>, std::string>) {
                std::memcpy(cell, values[i].data(), values[i].size());
              } else {
                std::memcpy(cell, &values[i], sizeof values[i]);
              }
            }
          },
          columns_[k].values);
    }
  });

  Dataset d = group.create_chunked(name, file_type.get(), rows_, row_bytes);
  if (rows_ > 0) {
    // The row buffer is packed little-endian: the file's layout (see above).
    write_chunks(d.handle().get(), buffer.get(), rows_, row_bytes, c);
  }
  std::vector<std::string> units;
  units.reserve(columns_.size());
  for (const auto& column : columns_) {
    units.push_back(column.units);
  }
  d.set_attr_strings("units", units);
  return d;
}

// ----------------------------------------------------------------------------- Table

bool Table::has_column(std::string_view name) const {
  return std::find(names_.begin(), names_.end(), name) != names_.end();
}

namespace {

std::size_t column_index(const std::vector<std::string>& names, std::string_view name) {
  const auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end()) {
    throw H5Error(fmt::format("table has no column '{}'", name));  // the file's content
  }
  return static_cast<std::size_t>(it - names.begin());
}

const char* type_name(ColumnType type) {
  switch (type) {
    case ColumnType::float64:
      return "float64";
    case ColumnType::int64:
      return "int64";
    case ColumnType::uint64:
      return "uint64";
    case ColumnType::string:
      return "string";
  }
  return "unknown";
}

}  // namespace

ColumnType Table::type(std::string_view name) const {
  return static_cast<ColumnType>(values_[column_index(names_, name)].index());
}

const std::string& Table::units(std::string_view name) const {
  return units_[column_index(names_, name)];
}

const Table::Values& Table::column(std::string_view name, ColumnType wanted) const {
  const Values& values = values_[column_index(names_, name)];
  const auto actual = static_cast<ColumnType>(values.index());
  if (actual != wanted) {
    throw H5Error(fmt::format("table column '{}' holds {}, not {}", name, type_name(actual),
                              type_name(wanted)));
  }
  return values;
}

const std::vector<double>& Table::doubles(std::string_view name) const {
  return std::get<std::vector<double>>(column(name, ColumnType::float64));
}

const std::vector<std::int64_t>& Table::int64s(std::string_view name) const {
  return std::get<std::vector<std::int64_t>>(column(name, ColumnType::int64));
}

const std::vector<std::uint64_t>& Table::uint64s(std::string_view name) const {
  return std::get<std::vector<std::uint64_t>>(column(name, ColumnType::uint64));
}

const std::vector<std::string>& Table::strings(std::string_view name) const {
  return std::get<std::vector<std::string>>(column(name, ColumnType::string));
}

namespace {

/// The first `n` elements of a 1-D dataset, read as `mem_type` into `out`.
void read_first(hid_t ds, hid_t mem_type, std::size_t n, std::size_t total, void* out,
                const Ctx& c) {
  if (n == 0) {
    return;
  }
  if (n == total) {
    ok(H5Dread(ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out), "read", c);
    return;
  }
  Handle file_space = own(H5Dget_space(ds), "get the dataspace of", c);
  const hsize_t start[1] = {0};
  const hsize_t count[1] = {static_cast<hsize_t>(n)};
  ok(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr),
     "select rows of", c);
  Handle mem_space = own(H5Screate_simple(1, count, nullptr), "select rows of", c);
  ok(H5Dread(ds, mem_type, mem_space.get(), file_space.get(), H5P_DEFAULT, out), "read", c);
}

}  // namespace

Table read_table(const Group& group, std::string_view name, std::size_t max_rows,
                 std::span<const std::string_view> only) {
  if (group.is_group(name)) {
    // A group of columns: every 1-D dataset (or those asked for), in creation order.
    const Group g = group.open_group(name);
    Table table;
    bool first = true;
    for (const auto& column : g.list_in_creation_order()) {
      if (!only.empty() && std::find(only.begin(), only.end(), column) == only.end()) {
        continue;
      }
      if (g.is_group(column)) {
        continue;
      }
      const Dataset d = g.open_dataset(column);
      QuietErrors quiet;
      const Ctx c{d.path(), d.file_name()};
      const hid_t ds = d.handle().get();
      Handle type = own(H5Dget_type(ds), "get the type of", c);
      Handle space = own(H5Dget_space(ds), "get the dataspace of", c);
      if (H5Sget_simple_extent_ndims(space.get()) != 1) {
        wrong("is not a 1-D column", c);
      }
      const std::size_t total = npoints(space.get(), c);
      check_extent(ds, total, std::max<std::size_t>(1, H5Tget_size(type.get())), c);
      if (first) {
        table.rows_ = std::min(total, max_rows);
        first = false;
      } else if (std::min(total, max_rows) != table.rows_) {
        wrong(fmt::format("has {} rows, the table's first column {}", total, table.rows_), c);
      }
      const std::size_t n = table.rows_;
      const H5T_class_t cls = H5Tget_class(type.get());
      auto numbers = [&](auto zero, hid_t native) {
        std::vector<decltype(zero)> v(n);
        read_first(ds, native, n, total, v.data(), c);
        return v;
      };
      if (cls == H5T_FLOAT) {
        table.values_.emplace_back(numbers(0.0, H5T_NATIVE_DOUBLE));
      } else if (cls == H5T_INTEGER && H5Tget_sign(type.get()) == H5T_SGN_NONE) {
        table.values_.emplace_back(numbers(std::uint64_t{0}, H5T_NATIVE_UINT64));
      } else if (cls == H5T_INTEGER) {
        table.values_.emplace_back(numbers(std::int64_t{0}, H5T_NATIVE_INT64));
      } else if (cls == H5T_STRING) {
        Handle file_space = own(H5Scopy(space.get()), "select rows of", c);
        const hsize_t start[1] = {0};
        const hsize_t count[1] = {static_cast<hsize_t>(n)};
        if (n > 0) {
          ok(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr),
             "select rows of", c);
        }
        Handle mem_space = own(H5Screate_simple(1, count, nullptr), "select rows of", c);
        table.values_.emplace_back(read_strings(
            type.get(), n,
            [&c](hid_t element, std::size_t) {
              return own(H5Tcopy(element), "copy the type of", c);
            },
            [&](hid_t mem, void* buffer) {
              return H5Dread(ds, mem, mem_space.get(), file_space.get(), H5P_DEFAULT, buffer);
            },
            mem_space.get(), c));
      } else {
        wrong("has an unsupported column type (expected float, integer or string)", c);
      }
      table.names_.push_back(column);
      std::string units;
      if (d.has_attr("units")) {
        try {
          units = d.get_attr_string("units");
        } catch (const H5Error&) {
          // A `units` attribute that is not a string is not Footprint's: ignore it.
        }
      }
      table.units_.push_back(std::move(units));
    }
    if (first) {
      QuietErrors quiet;
      wrong("has no columns", Ctx{g.path(), g.file_name()});
    }
    return table;
  }
  const Dataset dataset = group.open_dataset(name);
  QuietErrors quiet;
  const Ctx c{dataset.path(), dataset.file_name()};
  const hid_t ds = dataset.handle().get();
  const OpenData d = open_vector(ds, H5T_COMPOUND, "compound (table)", c);
  const int members = H5Tget_nmembers(d.type.get());
  if (members < 0) {
    fail("count the columns of", c);
  }

  Table table;
  const std::size_t n = std::min(d.count, max_rows);
  table.rows_ = n;
  // Fast path: every column a 64-bit number or a fixed-length string. The whole table is
  // read (and decompressed) once, in its native layout, and split into columns, instead
  // of one pass over the data per column.
  {
    Handle mem =
        own(H5Tget_native_type(d.type.get(), H5T_DIR_ASCEND), "get the native row type of", c);
    bool simple = n > 0;
    for (unsigned k = 0; simple && k < static_cast<unsigned>(members); ++k) {
      Handle m = own(H5Tget_member_type(mem.get(), k), "get a column type of", c);
      const H5T_class_t cls = H5Tget_class(m.get());
      const std::size_t size = H5Tget_size(m.get());
      simple = ((cls == H5T_FLOAT || cls == H5T_INTEGER) && size == sizeof(double)) ||
               (cls == H5T_STRING && H5Tis_variable_str(m.get()) == 0);
    }
    if (simple) {
      const std::size_t row = H5Tget_size(mem.get());
      std::vector<char> buffer(row * n);
      if (n == d.count) {
        ok(H5Dread(ds, mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()), "read table", c);
      } else {
        // The first n rows only: HDF5 decompresses just the chunks that hold them.
        Handle file_space = own(H5Scopy(d.space.get()), "select rows of", c);
        const hsize_t start[1] = {0};
        const hsize_t count[1] = {static_cast<hsize_t>(n)};
        ok(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr),
           "select rows of", c);
        Handle mem_space = own(H5Screate_simple(1, count, nullptr), "select rows of", c);
        ok(H5Dread(ds, mem.get(), mem_space.get(), file_space.get(), H5P_DEFAULT, buffer.data()),
           "read table", c);
      }
      for (unsigned k = 0; k < static_cast<unsigned>(members); ++k) {
        char* raw_name = H5Tget_member_name(mem.get(), k);
        if (raw_name == nullptr) {
          fail("get a column name of", c);
        }
        std::string column(raw_name);
        H5free_memory(raw_name);
        Handle m = own(H5Tget_member_type(mem.get(), k), "get a column type of", c);
        const std::size_t off = H5Tget_member_offset(mem.get(), k);
        const std::size_t size = H5Tget_size(m.get());
        const H5T_class_t cls = H5Tget_class(m.get());
        auto numbers = [&](auto zero) {
          std::vector<decltype(zero)> v(n);
          for (std::size_t i = 0; i < n; ++i) {
            std::memcpy(&v[i], buffer.data() + i * row + off, sizeof zero);
          }
          return v;
        };
        if (cls == H5T_FLOAT) {
          table.values_.emplace_back(numbers(0.0));
        } else if (cls == H5T_INTEGER && H5Tget_sign(m.get()) == H5T_SGN_NONE) {
          table.values_.emplace_back(numbers(std::uint64_t{0}));
        } else if (cls == H5T_INTEGER) {
          table.values_.emplace_back(numbers(std::int64_t{0}));
        } else {
          std::vector<std::string> v(n);
          for (std::size_t i = 0; i < n; ++i) {
            const char* p = buffer.data() + i * row + off;
            v[i].assign(p, strnlen(p, size));
          }
          table.values_.emplace_back(std::move(v));
        }
        table.names_.push_back(std::move(column));
      }
    }
  }
  const bool read_fast = !table.names_.empty();
  for (unsigned k = 0; !read_fast && k < static_cast<unsigned>(members); ++k) {
    char* raw_name = H5Tget_member_name(d.type.get(), k);
    if (raw_name == nullptr) {
      fail("get a column name of", c);
    }
    std::string column(raw_name);
    H5free_memory(raw_name);
    const std::string where = fmt::format("{}[{}]", dataset.path(), column);
    const Ctx cc{where, dataset.file_name()};
    Handle member = own(H5Tget_member_type(d.type.get(), k), "get the type of column", cc);
    const H5T_class_t cls = H5Tget_class(member.get());

    // A memory type with just this member: HDF5 matches compound members by name.
    auto wrap = [&](hid_t element, std::size_t bytes) {
      Handle t = own(H5Tcreate(H5T_COMPOUND, bytes), "create a column type for", cc);
      ok(H5Tinsert(t.get(), column.c_str(), 0, element), "create a column type for", cc);
      return t;
    };
    auto read = [&](hid_t mem, void* buffer) {
      return H5Dread(ds, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer);
    };
    auto read_numeric = [&](auto zero, hid_t native) {
      std::vector<decltype(zero)> values(d.count, zero);
      if (d.count > 0) {
        Handle mem = wrap(native, sizeof zero);
        ok(read(mem.get(), values.data()), "read column", cc);
      }
      return values;
    };

    if (cls == H5T_FLOAT) {
      table.values_.emplace_back(read_numeric(0.0, H5T_NATIVE_DOUBLE));
    } else if (cls == H5T_INTEGER && H5Tget_sign(member.get()) == H5T_SGN_NONE) {
      table.values_.emplace_back(read_numeric(std::uint64_t{0}, H5T_NATIVE_UINT64));
    } else if (cls == H5T_INTEGER) {
      table.values_.emplace_back(read_numeric(std::int64_t{0}, H5T_NATIVE_INT64));
    } else if (cls == H5T_STRING) {
      table.values_.emplace_back(
          read_strings(member.get(), d.count, wrap, read, d.space.get(), cc));
    } else {
      wrong("has an unsupported column type (expected float, integer or string)", cc);
    }
    table.names_.push_back(std::move(column));
  }
  if (!read_fast && n < d.count) {
    for (auto& values : table.values_) {
      std::visit([&](auto& v) { v.resize(n); }, values);
    }
  }

  table.units_.assign(table.names_.size(), std::string());
  if (dataset.has_attr("units")) {
    try {
      auto units = dataset.get_attr_strings("units");
      if (units.size() == table.names_.size()) {
        table.units_ = std::move(units);
      }
    } catch (const H5Error&) {
      // A `units` attribute that is not a string array is not Footprint's: ignore it.
    }
  }
  return table;
}

// ---------------------------------------------------------------------- AtomicOutput

namespace {

// The temporaries a signal handler must remove: a fixed table, since the handler may
// neither allocate nor lock. A slot is free (0), being filled (1) or listed (2); the
// handler reads listed slots only.
constexpr std::size_t kPendingSlots = 256;
constexpr std::size_t kPendingPathMax = 4096;
struct PendingSlot {
  std::atomic<int> state{0};
  std::array<char, kPendingPathMax> path{};
};
// NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables)
std::array<PendingSlot, kPendingSlots> g_pending;
// NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables)
std::atomic<unsigned> g_temp_serial{0};
static_assert(std::atomic<int>::is_always_lock_free);

int list_pending(const fs::path& temp) {
  const std::string& s = temp.native();
  if (s.size() >= kPendingPathMax) {
    return -1;
  }
  for (std::size_t i = 0; i < kPendingSlots; ++i) {
    int expected = 0;
    if (g_pending[i].state.compare_exchange_strong(expected, 1)) {
      std::copy(s.begin(), s.end(), g_pending[i].path.begin());
      g_pending[i].path[s.size()] = '\0';
      g_pending[i].state.store(2);
      return static_cast<int>(i);
    }
  }
  return -1;  // a full table: the file is still removed by the destructor, not by a signal
}

void unlist_pending(int& slot) {
  if (slot >= 0) {
    g_pending[static_cast<std::size_t>(slot)].state.store(0);
    slot = -1;
  }
}

}  // namespace

void remove_pending_temporaries() noexcept {
  for (auto& slot : g_pending) {
    if (slot.state.load() == 2) {
      ::unlink(slot.path.data());
    }
  }
}

void skip_hdf5_exit_handler() noexcept {
  H5dont_atexit();
}

AtomicOutput::AtomicOutput(std::filesystem::path final_path, bool force)
    : final_(std::move(final_path)), force_(force) {
  if (final_.empty() || !final_.has_filename()) {
    throw OutputPathError(fmt::format("output path '{}' does not name a file", final_.string()));
  }
  std::error_code ec;
  const fs::file_status final_status = fs::status(final_, ec);
  if (fs::is_directory(final_status)) {
    throw OutputPathError(fmt::format("output path '{}' is a directory", final_.string()));
  }
  if (fs::exists(fs::symlink_status(final_, ec)) && !force_) {
    throw OutputExistsError(fmt::format(
        "output file '{}' already exists; pass --force to overwrite it", final_.string()));
  }

  fs::path dir = final_.parent_path();
  if (dir.empty()) {
    dir = ".";
  }
  const fs::file_status dir_status = fs::status(dir, ec);
  if (dir_status.type() == fs::file_type::none) {
    throw OutputPathError(
        fmt::format("cannot access output directory '{}': {}", dir.string(), ec.message()));
  }
  if (!fs::exists(dir_status)) {
    throw OutputPathError(fmt::format("output directory '{}' does not exist", dir.string()));
  }
  if (!fs::is_directory(dir_status)) {
    throw OutputPathError(fmt::format("output directory '{}' is not a directory", dir.string()));
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    throw OutputPathError(
        fmt::format("cannot write '{}': output directory '{}' is not writable: {}", final_.string(),
                    dir.string(), std::strerror(errno)));
  }

  // --force replaces a file, never a device, a pipe or a socket (nor what a link points to).
  if (fs::exists(final_status) && !fs::is_regular_file(final_status)) {
    throw OutputPathError(fmt::format(
        "output path '{}' exists and is not a regular file; --force replaces only regular files",
        final_.string()));
  }

  temp_ = dir / fmt::format(".{}.tmp-{}-{}", final_.filename().string(), ::getpid(),
                            g_temp_serial.fetch_add(1));
  // Created now, exclusively: a name too long for the filesystem, or any other reason the
  // temporary cannot exist, shows before the run rather than after it.
  const int fd = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);  // NOLINT
  if (fd < 0) {
    const int err = errno;
    if (err == ENAMETOOLONG) {
      throw OutputPathError(fmt::format(
          "output path '{}' is too long for its filesystem (the temporary '{}' cannot be "
          "created: {})",
          final_.string(), temp_.string(), std::strerror(err)));
    }
    throw OutputPathError(fmt::format("cannot create the temporary file '{}' for '{}': {}",
                                      temp_.string(), final_.string(), std::strerror(err)));
  }
  ::close(fd);
  slot_ = list_pending(temp_);
}

AtomicOutput::~AtomicOutput() {
  if (!committed_) {
    std::error_code ec;
    fs::remove(temp_, ec);
  }
  unlist_pending(slot_);
}

void AtomicOutput::commit() {
  if (committed_) {
    throw std::logic_error(fmt::format("output '{}' was already committed", final_.string()));
  }
  std::error_code ec;
  if (!force_) {
    // A hard link never replaces an existing file, so an output created by someone else
    // since the constructor's check is not overwritten. Without hard-link support, fall
    // back to checking and renaming.
    if (::link(temp_.c_str(), final_.c_str()) == 0) {
      committed_ = true;
      fs::remove(temp_, ec);
      unlist_pending(slot_);
      return;
    }
    if (errno == EEXIST) {
      throw OutputExistsError(fmt::format(
          "output file '{}' already exists; pass --force to overwrite it", final_.string()));
    }
    if (fs::exists(fs::symlink_status(final_, ec))) {
      throw OutputExistsError(fmt::format(
          "output file '{}' already exists; pass --force to overwrite it", final_.string()));
    }
  }
  fs::rename(temp_, final_, ec);
  if (ec) {
    throw OutputPathError(fmt::format("cannot rename '{}' to '{}': {}", temp_.string(),
                                      final_.string(), ec.message()));
  }
  committed_ = true;
  unlist_pending(slot_);
}

}  // namespace footprint::io
