// core/avl_tree.h: an intrusive ordered map from 64-bit keys to objects.
//
// For offsets and sparse keys: VM map entries by address, resident pages by
// offset, port names chosen by the user. An AVL tree with parent pointers:
// insert, remove, find, lower_bound and floor are O(log n) worst case (height
// <= 1.44 log2(n+2)); next/prev are O(1) amortised. No allocation: an
// object joins through an `AvlNode` member, and an object may sit in several
// trees through several members. `KeyOf::key(const T&)` gives the key, which
// must not change while the object is in the tree. Keys are unique.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/kassert.h"
#include "core/kstd/utility.h"

namespace umach {

class AvlNode {
 public:
  AvlNode() = default;
  AvlNode(const AvlNode&) = delete;
  AvlNode& operator=(const AvlNode&) = delete;
  ~AvlNode() { kassert(!is_linked()); }

  bool is_linked() const { return height_ != 0; }

 private:
  template <class T, AvlNode T::*, class KeyOf>
  friend class AvlTree;
  AvlNode* parent_ = nullptr;
  AvlNode* left_ = nullptr;
  AvlNode* right_ = nullptr;
  int height_ = 0;  // 0 while not in a tree; a leaf has height 1
};

template <class T, AvlNode T::*Member, class KeyOf>
class AvlTree {
 public:
  AvlTree() = default;
  AvlTree(const AvlTree&) = delete;
  AvlTree& operator=(const AvlTree&) = delete;
  ~AvlTree() { kassert(empty()); }

  bool empty() const { return root_ == nullptr; }
  size_t size() const { return size_; }

  // Inserts `obj`; false (and no change) if its key is already present.
  bool insert(T& obj) {
    AvlNode* n = &node(obj);
    kassert(!n->is_linked());
    uint64_t k = KeyOf::key(obj);
    AvlNode* parent = nullptr;
    AvlNode** link = &root_;
    while (*link) {
      parent = *link;
      uint64_t pk = key_of(parent);
      if (k == pk) return false;
      link = k < pk ? &parent->left_ : &parent->right_;
    }
    n->parent_ = parent;
    n->left_ = n->right_ = nullptr;
    n->height_ = 1;
    *link = n;
    ++size_;
    rebalance_from(parent);
    return true;
  }

  void remove(T& obj) {
    AvlNode* n = &node(obj);
    kassert(n->is_linked() && size_ > 0);
    AvlNode* start;
    if (n->left_ && n->right_) {
      // Put the in-order successor s (leftmost of the right subtree) in n's place.
      AvlNode* s = leftmost(n->right_);
      if (s->parent_ != n) {
        start = s->parent_;
        start->left_ = s->right_;
        if (s->right_) s->right_->parent_ = start;
        s->right_ = n->right_;
        s->right_->parent_ = s;
      } else {
        start = s;
      }
      s->left_ = n->left_;
      s->left_->parent_ = s;
      replace_child(n->parent_, n, s);
      s->height_ = n->height_;
    } else {
      start = n->parent_;
      replace_child(n->parent_, n, n->left_ ? n->left_ : n->right_);
    }
    n->parent_ = n->left_ = n->right_ = nullptr;
    n->height_ = 0;
    --size_;
    rebalance_from(start);
  }

  T* find(uint64_t k) const {
    AvlNode* n = root_;
    while (n) {
      uint64_t nk = key_of(n);
      if (k == nk) return owner(n);
      n = k < nk ? n->left_ : n->right_;
    }
    return nullptr;
  }

  // The element with the smallest key >= k, or nullptr.
  T* lower_bound(uint64_t k) const {
    AvlNode* best = nullptr;
    for (AvlNode* n = root_; n;) {
      if (key_of(n) >= k) {
        best = n;
        n = n->left_;
      } else {
        n = n->right_;
      }
    }
    return best ? owner(best) : nullptr;
  }

  // The element with the largest key <= k, or nullptr.
  T* floor(uint64_t k) const {
    AvlNode* best = nullptr;
    for (AvlNode* n = root_; n;) {
      if (key_of(n) <= k) {
        best = n;
        n = n->right_;
      } else {
        n = n->left_;
      }
    }
    return best ? owner(best) : nullptr;
  }

  T* first() const { return root_ ? owner(leftmost(root_)) : nullptr; }
  T* last() const { return root_ ? owner(rightmost(root_)) : nullptr; }

  T* next(const T& obj) const {
    const AvlNode* n = &node(obj);
    if (n->right_) return owner(leftmost(n->right_));
    while (n->parent_ && n->parent_->right_ == n) n = n->parent_;
    return n->parent_ ? owner(n->parent_) : nullptr;
  }

  T* prev(const T& obj) const {
    const AvlNode* n = &node(obj);
    if (n->left_) return owner(rightmost(n->left_));
    while (n->parent_ && n->parent_->left_ == n) n = n->parent_;
    return n->parent_ ? owner(n->parent_) : nullptr;
  }

  int height() const { return h(root_); }

  // Full tier: keys strictly increase in order, parent links are mutual,
  // heights are exact and balanced, and the count matches. O(n), iterative.
  void check_invariants() const {
    kassert(!root_ || root_->parent_ == nullptr);
    size_t count = 0;
    const AvlNode* prev_node = nullptr;
    for (const AvlNode* n = root_ ? leftmost(root_) : nullptr; n; n = successor(n)) {
      ++count;
      kassert(count <= size_);
      if (prev_node) kassert(key_of(prev_node) < key_of(n));
      prev_node = n;
      if (n->left_) kassert(n->left_->parent_ == n);
      if (n->right_) kassert(n->right_->parent_ == n);
      int hl = h(n->left_), hr = h(n->right_);
      kassert(n->height_ == 1 + kstd::max(hl, hr));
      kassert(hl - hr <= 1 && hr - hl <= 1);
    }
    kassert(count == size_);
  }

 private:
  static AvlNode& node(T& obj) { return obj.*Member; }
  static const AvlNode& node(const T& obj) { return obj.*Member; }
  static size_t member_offset() {
    union Storage {
      Storage() {}
      ~Storage() {}
      char none;
      T obj;
    } s;
    return static_cast<size_t>(reinterpret_cast<char*>(&(s.obj.*Member)) -
                               reinterpret_cast<char*>(&s.obj));
  }
  static T* owner(const AvlNode* n) {
    return reinterpret_cast<T*>(reinterpret_cast<char*>(const_cast<AvlNode*>(n)) - member_offset());
  }
  static uint64_t key_of(const AvlNode* n) { return KeyOf::key(*owner(n)); }
  static int h(const AvlNode* n) { return n ? n->height_ : 0; }
  static AvlNode* leftmost(AvlNode* n) {
    while (n->left_) n = n->left_;
    return n;
  }
  static const AvlNode* leftmost(const AvlNode* n) { return leftmost(const_cast<AvlNode*>(n)); }
  static AvlNode* rightmost(AvlNode* n) {
    while (n->right_) n = n->right_;
    return n;
  }
  static const AvlNode* rightmost(const AvlNode* n) { return rightmost(const_cast<AvlNode*>(n)); }
  static const AvlNode* successor(const AvlNode* n) {
    if (n->right_) return leftmost(n->right_);
    while (n->parent_ && n->parent_->right_ == n) n = n->parent_;
    return n->parent_;
  }

  void replace_child(AvlNode* parent, AvlNode* old_child, AvlNode* new_child) {
    if (!parent)
      root_ = new_child;
    else if (parent->left_ == old_child)
      parent->left_ = new_child;
    else
      parent->right_ = new_child;
    if (new_child) new_child->parent_ = parent;
  }
  static void update_height(AvlNode* n) { n->height_ = 1 + kstd::max(h(n->left_), h(n->right_)); }

  AvlNode* rotate_left(AvlNode* x) {
    AvlNode* y = x->right_;
    x->right_ = y->left_;
    if (y->left_) y->left_->parent_ = x;
    replace_child(x->parent_, x, y);
    y->left_ = x;
    x->parent_ = y;
    update_height(x);
    update_height(y);
    return y;
  }
  AvlNode* rotate_right(AvlNode* x) {
    AvlNode* y = x->left_;
    x->left_ = y->right_;
    if (y->right_) y->right_->parent_ = x;
    replace_child(x->parent_, x, y);
    y->right_ = x;
    x->parent_ = y;
    update_height(x);
    update_height(y);
    return y;
  }
  // Restores the AVL balance at n; returns the root of n's (rotated) subtree.
  AvlNode* balance(AvlNode* n) {
    update_height(n);
    int bf = h(n->left_) - h(n->right_);
    if (bf > 1) {
      if (h(n->left_->left_) < h(n->left_->right_)) rotate_left(n->left_);
      return rotate_right(n);
    }
    if (bf < -1) {
      if (h(n->right_->right_) < h(n->right_->left_)) rotate_right(n->right_);
      return rotate_left(n);
    }
    return n;
  }
  void rebalance_from(AvlNode* n) {
    while (n) n = balance(n)->parent_;
  }

  AvlNode* root_ = nullptr;
  size_t size_ = 0;
};

}  // namespace umach
