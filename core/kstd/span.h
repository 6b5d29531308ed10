// kstd/span.h: a non-owning view of a contiguous array, and a string view.
#pragma once

#include <stddef.h>

namespace kstd {

template <class T>
class Span {
 public:
  constexpr Span() = default;
  constexpr Span(T* data, size_t size) : data_(data), size_(size) {}
  template <size_t N>
  constexpr Span(T (&array)[N]) : data_(array), size_(N) {}  // NOLINT: implicit like std::span

  constexpr T* data() const { return data_; }
  constexpr size_t size() const { return size_; }
  constexpr bool empty() const { return size_ == 0; }
  constexpr T& operator[](size_t i) const { return data_[i]; }
  constexpr T* begin() const { return data_; }
  constexpr T* end() const { return data_ + size_; }
  constexpr Span subspan(size_t offset, size_t count) const { return Span(data_ + offset, count); }
  constexpr operator Span<const T>() const { return Span<const T>(data_, size_); }  // NOLINT

 private:
  T* data_ = nullptr;
  size_t size_ = 0;
};

class StringView {
 public:
  constexpr StringView() = default;
  constexpr StringView(const char* s, size_t n) : data_(s), size_(n) {}
  constexpr StringView(const char* s) : data_(s), size_(length(s)) {}  // NOLINT: like std::string_view

  constexpr const char* data() const { return data_; }
  constexpr size_t size() const { return size_; }
  constexpr bool empty() const { return size_ == 0; }
  constexpr char operator[](size_t i) const { return data_[i]; }
  constexpr bool operator==(StringView o) const {
    if (size_ != o.size_) return false;
    for (size_t i = 0; i < size_; ++i)
      if (data_[i] != o.data_[i]) return false;
    return true;
  }
  constexpr bool starts_with(StringView p) const {
    return p.size_ <= size_ && StringView(data_, p.size_) == p;
  }

 private:
  static constexpr size_t length(const char* s) {
    size_t n = 0;
    while (s && s[n]) ++n;
    return n;
  }
  const char* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace kstd
