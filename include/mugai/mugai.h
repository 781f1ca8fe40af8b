/*
 * mugai.h - the public interface of the mugai core library.
 */
#ifndef MUGAI_H
#define MUGAI_H

#include <mugai/item.h>
#include <mugai/filter.h>

#endif /* MUGAI_H */
