// Package cf is hsfan's one home for the netCDF Climate and Forecast (CF) conventions as
// netCDF4-python, cftime and xarray apply them, so that the coordinator, the workers, `hsfan get
// --decode` and the outputs give the answers netCDF users compare against:
//
//   - Decoding (attrs.go, values.go): scale_factor, add_offset, _FillValue, missing_value,
//     valid_min/valid_max/valid_range and _Unsigned of a dataset, applied to raw chunk bytes,
//     to whole coordinate and weights datasets (ReadDecoded) and to `hsfan get` selections.
//   - Axes (axes.go): dimension names from DIMENSION_LABELS and HDF5 dimension scales
//     (DIMENSION_LIST, NAME), as h5py and netCDF-4 write them, and each axis's coordinate
//     variable (Coordinate), CF-decoded.
//   - Time (time.go, calendar.go): CF time coordinates ("days since 1800-1-1 00:00:00") in every
//     CF calendar, as cftime.num2date decodes them.
//   - Units (units.go): the UDUNITS-2 temperature units and their conversions.
//
// Pure computation lives in package ops (the decode kernels); this package reads attributes and
// datasets through hsds/hdf.
package cf
