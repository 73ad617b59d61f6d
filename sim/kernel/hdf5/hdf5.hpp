// Footprint's output files: a thin RAII layer over the HDF5 C API.
//
// Every failing HDF5 call throws H5Error naming the operation, the object path inside the
// file and the file, followed by HDF5's own innermost error description. HDF5's automatic
// printing of its error stack to stderr is switched off for the duration of each call into
// this layer and restored afterwards (HDF5 keeps that setting process-wide, so it is set
// where it is used instead of once at start-up). The serial HDF5 library is not
// thread-safe: use one File from one thread at a time, and do not call HDF5 from two
// threads at once.
//
// Files written by File::create are byte-reproducible: the same calls with the same data
// produce byte-identical files. Object modification times are not recorded, the file
// format is pinned to exactly the HDF5 1.8 format (libver bounds V18..V18: readable by
// every HDF5 >= 1.8 and h5py, and attributes may exceed 64 KiB), and nothing in the file
// depends on the file name, the time or the process.
//
// Groups and datasets are views into their File: closing the File (or destroying it)
// closes them too, after which using them throws H5Error. Keep the File alive, e.g.
//   File file = File::open_read(p); Group root = file.root();   // not File::open_read(p).root()
//
// Layout conventions:
//  * Groups track the creation order of their links and attributes (as netCDF-4 does), so
//    tools list datasets and attributes in the order they were written.
//  * Vectors are 1-D chunked datasets (chunks of about 32 KiB; an empty vector has extent 0
//    and unlimited maximum extent), compressed with shuffle + deflate level 1, with a scalar
//    string attribute `units`.
//  * Dimensions are HDF5 dimension scales (the netCDF-4 convention): a dataset made a scale
//    with Dataset::make_scale and attached to the axes it indexes, or a netCDF "dimension
//    without a variable" (Group::create_dimension) for an axis that has no coordinate.
//  * Tables are written as a group with one 1-D dataset per column along one dimension
//    (TableWriter::write_columns; netCDF, xarray and pandas read that as they are), or,
//    in format 1 files, as one 1-D dataset of a packed compound type with ONE attribute
//    `units` holding one string per column (TableWriter::write). read_table reads both.
//  * Strings written here are variable-length UTF-8 (h5py returns str for attributes;
//    `.asstr()` for datasets). Readers also accept fixed-length strings (format 1).
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sim/kernel/diagnostics/diagnostics.hpp"

namespace footprint::io {

/// A failing HDF5 call; the message names the operation, the object and the file. A
/// system error by default (a file that cannot be written); where the file is the
/// user's (a trace given to report), the caller turns it into an input error.
class H5Error : public SystemError {
 public:
  using SystemError::SystemError;
};

/// An HDF5 identifier (hid_t; 64-bit since HDF5 1.10).
using Hid = std::int64_t;

/// Owns one HDF5 identifier and closes it with the function matching its kind (file,
/// group, dataset, dataspace, datatype, attribute or property list).
class Handle {
 public:
  Handle() noexcept = default;
  explicit Handle(Hid id) noexcept : id_(id) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& other) noexcept : id_(other.release()) {}
  Handle& operator=(Handle&& other) noexcept;
  ~Handle();

  Hid get() const noexcept { return id_; }
  bool valid() const noexcept { return id_ >= 0; }
  /// Gives up ownership without closing.
  Hid release() noexcept;
  /// Closes now; throws H5Error if HDF5 reports a failure (a file that cannot be flushed).
  /// Closing an identifier HDF5 already invalidated is not an error.
  void close();

 private:
  Hid id_ = -1;
};

class Group;
class Dataset;

/// A group or dataset: something with a path and attributes. Attribute setters replace
/// an existing attribute of the same name.
class Node {
 public:
  /// The object's absolute path inside its file, e.g. "/results/jobs".
  const std::string& path() const noexcept { return path_; }
  /// The file's name on disk, for messages.
  const std::string& file_name() const noexcept { return file_; }
  const Handle& handle() const noexcept { return handle_; }

  void set_attr(std::string_view name, double value);
  void set_attr(std::string_view name, std::int64_t value);
  void set_attr(std::string_view name, std::uint64_t value);
  void set_attr(std::string_view name, std::string_view value);
  void set_attr(std::string_view name, const char* value) {
    set_attr(name, std::string_view(value));
  }
  /// Other integer types go to the signed or unsigned 64-bit attribute.
  template <std::signed_integral T>
  void set_attr(std::string_view name, T value) {
    set_attr(name, static_cast<std::int64_t>(value));
  }
  template <std::unsigned_integral T>
  requires(!std::same_as<T, bool>) void set_attr(std::string_view name, T value) {
    set_attr(name, static_cast<std::uint64_t>(value));
  }
  /// A 1-D array of strings (as used for a table's `units`).
  void set_attr_strings(std::string_view name, std::span<const std::string> values);
  /// A 1-D array of signed 64-bit integers.
  void set_attr_int64s(std::string_view name, std::span<const std::int64_t> values);

  /// Readers of scalar attributes. get_attr_double accepts any float or integer attribute;
  /// the integer readers require an integer attribute whose value fits.
  double get_attr_double(std::string_view name) const;
  std::int64_t get_attr_int64(std::string_view name) const;
  std::uint64_t get_attr_uint64(std::string_view name) const;
  std::string get_attr_string(std::string_view name) const;
  /// A string attribute of any shape, flattened (a scalar gives one element).
  std::vector<std::string> get_attr_strings(std::string_view name) const;
  /// An integer attribute of any shape, flattened, as int64 (values must fit).
  std::vector<std::int64_t> get_attr_int64s(std::string_view name) const;

  bool has_attr(std::string_view name) const;
  /// Attribute names, sorted.
  std::vector<std::string> attr_names() const;
  void remove_attr(std::string_view name);

 protected:
  Node(Handle handle, std::string path, std::string file)
      : handle_(std::move(handle)), path_(std::move(path)), file_(std::move(file)) {}
  ~Node() = default;
  Node(Node&&) noexcept = default;
  Node& operator=(Node&&) noexcept = default;

  /// The absolute path of a child called `name`.
  std::string child_path(std::string_view name) const;

  Handle handle_;
  std::string path_;
  std::string file_;
};

/// A dataset. Numeric vectors are read back with read_double/read_int64.
class Dataset : public Node {
 public:
  /// Total number of elements (rows, for a table).
  std::size_t size() const;
  /// Reads a 1-D floating-point dataset.
  std::vector<double> read_double() const;
  /// Reads a 1-D integer dataset (values must fit in int64).
  std::vector<std::int64_t> read_int64() const;

  /// Makes this dataset a dimension scale called `dimension` (its coordinate variable).
  void make_scale(std::string_view dimension);
  /// Attaches dimension scale `scale` to axis `axis` of this dataset.
  void attach_scale(const Dataset& scale, unsigned axis = 0);

 private:
  friend class Group;
  Dataset(Handle handle, std::string path, std::string file)
      : Node(std::move(handle), std::move(path), std::move(file)) {}
};

/// A group: creates, opens and lists children; writes and reads vectors.
class Group : public Node {
 public:
  Group create_group(std::string_view name);
  Group open_group(std::string_view name) const;
  Dataset open_dataset(std::string_view name) const;
  /// An external link `name` to object `object` (for example "/") of the file `file`,
  /// which HDF5 and h5py look for relative to this file's folder when not absolute.
  void create_external_link(std::string_view name, const std::string& file,
                            const std::string& object);
  /// Whether a link called `name` exists; `name` may be a relative path "a/b".
  bool has(std::string_view name) const;
  /// Names of the direct children, sorted.
  std::vector<std::string> list() const;
  /// Names of the direct children in the order they were created (by name for a group
  /// that does not track the order).
  std::vector<std::string> list_in_creation_order() const;
  /// Whether `name` is a group (false if it is another kind of object or does not exist).
  bool is_group(std::string_view name) const;

  Dataset write_vector(std::string_view name, std::span<const double> values,
                       std::string_view units);
  Dataset write_vector(std::string_view name, std::span<const std::int64_t> values,
                       std::string_view units);
  Dataset write_vector(std::string_view name, std::span<const std::uint64_t> values,
                       std::string_view units);
  /// A 1-D dataset of variable-length UTF-8 strings, compressed like a vector, no `units`.
  Dataset write_strings(std::string_view name, std::span<const std::string> values);
  /// The same for `count` strings made a block of rows at a time: `fill(first, out)` sets
  /// the out.size() rows from row `first`. Only a block is held, not the column.
  using StringBlockFill = std::function<void(std::size_t, std::span<std::string>)>;
  Dataset write_strings(std::string_view name, std::size_t count, const StringBlockFill& fill);
  /// A row-major rows x cols float64 dataset (for example interval bounds), with `units`.
  Dataset write_matrix(std::string_view name, std::span<const double> values, std::size_t rows,
                       std::size_t cols, std::string_view units);
  /// A netCDF dimension without a coordinate variable, of `size` elements: a dimension
  /// scale that netCDF-4, h5netcdf and xarray read as a bare dimension.
  Dataset create_dimension(std::string_view name, std::size_t size);
  std::vector<double> read_vector_double(std::string_view name) const;
  std::vector<std::int64_t> read_vector_int64(std::string_view name) const;

 private:
  friend class File;
  friend class TableWriter;
  Group(Handle handle, std::string path, std::string file)
      : Node(std::move(handle), std::move(path), std::move(file)) {}
  /// A numeric vector stored as `file_type` (T's little-endian layout), with `units`.
  template <class T>
  Dataset write_numbers(std::string_view name, std::span<const T> values, Hid file_type,
                        std::string_view units);
  /// Creates a chunked, compressed 1-D dataset of `count` elements and returns it.
  Dataset create_chunked(std::string_view name, Hid file_type, std::size_t count,
                         std::size_t element_bytes);
};

/// An open HDF5 file. Closing it (explicitly or on destruction) closes every object still
/// open in it, so data is complete on disk once close() returns.
class File {
 public:
  /// Creates (or truncates) a file for byte-reproducible writing.
  static File create(const std::filesystem::path& path);
  /// Opens an existing file read-only. Its global heap collections (where variable-length
  /// strings are stored, without checksums) are checked first: libhdf5 loops forever on
  /// some damaged ones, so a damaged one throws H5Error naming its offset instead.
  static File open_read(const std::filesystem::path& path);

  File(File&&) noexcept = default;
  File& operator=(File&&) noexcept = default;
  ~File() = default;

  Group root() const;
  const std::filesystem::path& path() const noexcept { return path_; }
  /// Flushes and closes; throws H5Error on failure. Further use throws H5Error.
  void close();

 private:
  File(Handle handle, std::filesystem::path path)
      : handle_(std::move(handle)), path_(std::move(path)) {}
  Handle handle_;
  std::filesystem::path path_;
};

/// Writes a table as a group of 1-D column datasets one column at a time, so that only one
/// column need be held: the layout of TableWriter::write_columns, which uses it. Columns
/// are written in the order given and must each have `rows` elements; finish() attaches
/// the dimension's coordinate to them. Throws std::invalid_argument on misuse.
class ColumnWriter {
 public:
  /// Creates group `name` in `parent`. Unless `own_coordinate` (a column called
  /// `dimension` will be written), an int64 column `dimension` holding the row numbers
  /// 0..rows-1 is written first as the dimension's coordinate.
  ColumnWriter(Group& parent, std::string_view name, std::string_view dimension, std::size_t rows,
               bool own_coordinate = false);

  /// Column `name` with `units` (none if empty) and `description` (its `long_name`, none
  /// if empty).
  void write(std::string_view name, std::span<const double> values, std::string_view units,
             std::string_view description);
  void write(std::string_view name, std::span<const std::int64_t> values, std::string_view units,
             std::string_view description);
  void write(std::string_view name, std::span<const std::uint64_t> values, std::string_view units,
             std::string_view description);
  void write(std::string_view name, std::span<const std::string> values, std::string_view units,
             std::string_view description);
  /// A string column made a block of rows at a time (Group::write_strings).
  void write(std::string_view name, const Group::StringBlockFill& fill, std::string_view units,
             std::string_view description);

  /// Attaches the coordinate to every other column; returns the group.
  Group finish() &&;

 private:
  void check(std::string_view name, std::size_t size) const;
  void add(Dataset d, std::string_view name, std::string_view description);
  Group group_;
  std::string dimension_;
  std::size_t rows_;
  std::optional<Dataset> scale_;
  std::vector<Dataset> data_;
};

enum class ColumnType { float64, int64, uint64, string };

/// Builds a table of rows with named, typed columns and writes it as a group of columns
/// (write_columns) or as one compound dataset (write, the format-1 layout). Every column
/// must have the same number of rows; names must be unique; strings must not contain NUL
/// characters. Throws std::invalid_argument on misuse.
class TableWriter {
 public:
  void add_double_column(std::string name, std::span<const double> values, std::string units = {});
  void add_int64_column(std::string name, std::span<const std::int64_t> values,
                        std::string units = {});
  void add_uint64_column(std::string name, std::span<const std::uint64_t> values,
                         std::string units = {});
  void add_string_column(std::string name, std::span<const std::string> values,
                         std::string units = {});
  /// The same, taking the values over without a copy.
  void add_double_column(std::string name, std::vector<double>&& values, std::string units = {});
  void add_int64_column(std::string name, std::vector<std::int64_t>&& values,
                        std::string units = {});
  void add_string_column(std::string name, std::vector<std::string>&& values,
                         std::string units = {});

  /// A column's description, written as its `long_name` by write_columns.
  void describe(std::string_view column, std::string text);

  std::size_t rows() const noexcept { return rows_; }
  std::size_t columns() const noexcept { return columns_.size(); }

  /// Writes the table as group `name` in `group`: one 1-D dataset per column, in the order
  /// added, each with `long_name` (when described) and, for numbers, `units`; all along the
  /// dimension `dimension`. If a column is called `dimension` it is the dimension's
  /// coordinate; otherwise an int64 column `dimension` holding the row numbers 0..n-1 is
  /// written first and is the coordinate.
  Group write_columns(Group& group, std::string_view name, std::string_view dimension) const;

  /// Writes the table as one compound dataset `name` in `group`, strings fixed-length, with
  /// its `units` attribute (format 1's layout).
  Dataset write(Group& group, std::string_view name) const;

 private:
  using Values = std::variant<std::vector<double>, std::vector<std::int64_t>,
                              std::vector<std::uint64_t>, std::vector<std::string>>;
  struct Column {
    std::string name;
    std::string units;
    Values values;
    std::string description;
  };
  void add(std::string name, std::string units, Values values, std::size_t count);

  std::vector<Column> columns_;
  std::size_t rows_ = 0;
};

/// A table read back from a compound dataset, by column name. Accessors throw
/// std::invalid_argument for an unknown column or a column of another type.
class Table {
 public:
  std::size_t rows() const noexcept { return rows_; }
  /// Column names in member order.
  const std::vector<std::string>& column_names() const noexcept { return names_; }
  bool has_column(std::string_view name) const;
  ColumnType type(std::string_view name) const;
  /// The column's units from the dataset's `units` attribute ("" if absent).
  const std::string& units(std::string_view name) const;

  const std::vector<double>& doubles(std::string_view name) const;
  const std::vector<std::int64_t>& int64s(std::string_view name) const;
  const std::vector<std::uint64_t>& uint64s(std::string_view name) const;
  const std::vector<std::string>& strings(std::string_view name) const;

 private:
  friend Table read_table(const Group& group, std::string_view name, std::size_t max_rows,
                          std::span<const std::string_view> only);
  using Values = std::variant<std::vector<double>, std::vector<std::int64_t>,
                              std::vector<std::uint64_t>, std::vector<std::string>>;
  const Values& column(std::string_view name, ColumnType wanted) const;

  std::size_t rows_ = 0;
  std::vector<std::string> names_;
  std::vector<std::string> units_;
  std::vector<Values> values_;
};

/// Reads the table `name` of `group`: a group of 1-D column datasets (write_columns; column
/// order is creation order) or a 1-D compound dataset (write). Columns are floats (read as
/// double), signed integers (int64), unsigned integers (uint64) or strings; other types
/// throw H5Error. With `max_rows`, only the first rows are read; with `only`, of a group of
/// columns only the columns named (the rest are not read; a compound dataset is read whole).
Table read_table(const Group& group, std::string_view name,
                 std::size_t max_rows = static_cast<std::size_t>(-1),
                 std::span<const std::string_view> only = {});

/// The output file exists and overwriting was not requested (input: the user's path).
class OutputExistsError : public InputError {
 public:
  explicit OutputExistsError(std::string what)
      : InputError(Diagnostic{.message = std::move(what)}) {}
};

/// The output's directory is missing, not a directory or not writable, or the final
/// path cannot be used (input: the user's path).
class OutputPathError : public InputError {
 public:
  explicit OutputPathError(std::string what) : InputError(Diagnostic{.message = std::move(what)}) {}
};

/// Writes an output file under a temporary name in the same directory and renames it to
/// the final name on commit(), so a reader never sees a half-written file and a failed
/// run leaves nothing under the final name. The destructor removes the temporary file if
/// commit() was not called. Close the file written to temp_path() before commit().
///
/// The temporary's name is unique per process and per AtomicOutput
/// (`.<name>.tmp-<pid>-<n>`) and is created (empty, O_EXCL) by the constructor, so two
/// writers of the same output, in one process or two, never share a temporary, and a
/// name the filesystem cannot hold fails before anything runs. Until commit or
/// destruction, the temporary's path is also listed where remove_pending_temporaries()
/// (for a signal handler) finds it.
class AtomicOutput {
 public:
  /// Checks the destination before anything is written: throws OutputExistsError if
  /// `final_path` exists and !force, OutputPathError if its directory is unusable, if
  /// `final_path` exists and is not a regular file (a device, a pipe: never replaced, even
  /// with force), or if the temporary cannot be created there (a name too long).
  AtomicOutput(std::filesystem::path final_path, bool force);
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;
  ~AtomicOutput();

  /// `.<name>.tmp-<pid>-<n>` next to the final path.
  const std::filesystem::path& temp_path() const noexcept { return temp_; }
  const std::filesystem::path& final_path() const noexcept { return final_; }
  bool committed() const noexcept { return committed_; }
  /// Renames the temporary file to the final name. Throws OutputExistsError if the final
  /// path appeared meanwhile and !force, OutputPathError if the rename fails, and
  /// std::logic_error if already committed.
  void commit();

 private:
  std::filesystem::path final_;
  std::filesystem::path temp_;
  bool force_;
  bool committed_ = false;
  int slot_ = -1;  ///< where remove_pending_temporaries() finds temp_ (-1: not listed)
};

/// Removes the temporary file of every AtomicOutput neither committed nor destroyed yet.
/// Async-signal-safe (atomic loads and unlink(2) only): meant for a SIGINT/SIGTERM handler
/// that then calls _exit. The list it reads is the one piece of process-wide mutable
/// state in this layer, a fixed table of paths that exists for this handler alone.
void remove_pending_temporaries() noexcept;

/// Keeps HDF5 from closing its files again at process exit; call it first in main(),
/// before any other HDF5 call. A file whose close failed (a disk full while flushing) is
/// left in HDF5 1.10's table half torn down, and HDF5's exit handler would close it again
/// and crash. Every File closes itself (RAII) before exit, so the handler has nothing
/// else to do.
void skip_hdf5_exit_handler() noexcept;

}  // namespace footprint::io
