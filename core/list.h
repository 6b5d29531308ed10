// core/list.h: intrusive doubly linked lists.
//
// An object sits on a list through a `ListNode` member; an object that must
// sit on several lists at once has one ListNode per list, and each
// `List<T, &T::member>` names the member it threads through. Lists are
// circular with a sentinel, so insertion and removal are O(1) with no
// branches on emptiness. The list never owns its elements.
#pragma once

#include <stddef.h>

#include "core/kassert.h"

namespace umach {

class ListNode {
 public:
  constexpr ListNode() = default;
  ListNode(const ListNode&) = delete;
  ListNode& operator=(const ListNode&) = delete;
  ~ListNode() { kassert(!is_linked()); }  // dying while still on a list is a bug

  bool is_linked() const { return next_ != nullptr; }

 private:
  template <class T, ListNode T::*>
  friend class List;
  ListNode* prev_ = nullptr;
  ListNode* next_ = nullptr;
};

template <class T, ListNode T::*Member>
class List {
 public:
  constexpr List() { head_.prev_ = head_.next_ = &head_; }
  List(const List&) = delete;
  List& operator=(const List&) = delete;
  ~List() {
    kassert(empty());
    head_.prev_ = head_.next_ = nullptr;
  }

  bool empty() const { return head_.next_ == &head_; }
  size_t size() const { return size_; }

  void push_front(T& obj) { insert_after(head_, node(obj)); }
  void push_back(T& obj) { insert_after(*head_.prev_, node(obj)); }
  // Inserts `obj` right after `pos`, which must be on this list.
  void insert_after(T& pos, T& obj) { insert_after(node(pos), node(obj)); }

  void remove(T& obj) {
    ListNode& n = node(obj);
    kassert(n.is_linked() && size_ > 0);
    n.prev_->next_ = n.next_;
    n.next_->prev_ = n.prev_;
    n.prev_ = n.next_ = nullptr;
    --size_;
  }

  T* front() const { return empty() ? nullptr : owner(head_.next_); }
  T* back() const { return empty() ? nullptr : owner(head_.prev_); }
  T* pop_front() {
    T* obj = front();
    if (obj) remove(*obj);
    return obj;
  }
  // The element after `obj`, or nullptr at the end.
  T* next(const T& obj) const {
    const ListNode* n = node(obj).next_;
    return n == &head_ ? nullptr : owner(n);
  }
  T* prev(const T& obj) const {
    const ListNode* n = node(obj).prev_;
    return n == &head_ ? nullptr : owner(n);
  }

  class Iterator {
   public:
    Iterator(const ListNode* n, const ListNode* head) : n_(n), head_(head) {}
    T& operator*() const { return *owner(n_); }
    T* operator->() const { return owner(n_); }
    Iterator& operator++() {
      n_ = n_->next_;
      return *this;
    }
    bool operator!=(const Iterator& o) const { return n_ != o.n_; }

   private:
    const ListNode* n_;
    const ListNode* head_;
  };
  // Iteration must not remove the current element; use pop_front or next().
  Iterator begin() const { return Iterator(head_.next_, &head_); }
  Iterator end() const { return Iterator(&head_, &head_); }

  bool contains(const T& obj) const {
    for (const ListNode* n = head_.next_; n != &head_; n = n->next_)
      if (n == &node(obj)) return true;
    return false;
  }

  // Full tier: links are mutual and the count matches. O(n).
  void check_invariants() const {
    size_t n = 0;
    for (const ListNode* p = &head_;; p = p->next_) {
      kassert(p->next_ && p->next_->prev_ == p);
      if (p->next_ == &head_) break;
      ++n;
      kassert(n <= size_);
    }
    kassert(n == size_);
  }

 private:
  static ListNode& node(T& obj) { return obj.*Member; }
  static const ListNode& node(const T& obj) { return obj.*Member; }
  // The member's offset inside T, from the member pointer, measured on
  // uninitialised storage (no object is touched; the compiler folds it).
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
  static T* owner(const ListNode* n) {
    return reinterpret_cast<T*>(reinterpret_cast<char*>(const_cast<ListNode*>(n)) - member_offset());
  }
  void insert_after(ListNode& pos, ListNode& n) {
    kassert(!n.is_linked());
    n.prev_ = &pos;
    n.next_ = pos.next_;
    pos.next_->prev_ = &n;
    pos.next_ = &n;
    ++size_;
  }

  ListNode head_;
  size_t size_ = 0;
};

}  // namespace umach
