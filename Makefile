# exclusions: a zero-dependency C11/POSIX tool.  `make`, `make check`, `make bench`.
CC      ?= cc
CSTD     = -std=c11 -D_POSIX_C_SOURCE=200809L
WARN     = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS  ?= -O2 -g
ALL_CFLAGS = $(CSTD) $(WARN) $(CFLAGS)
PREFIX  ?= /usr/local
VERSION  = 0.1.0

LIB_SRCS = jsonscan.c util.c spawn.c fetch.c disabled.c match.c testtree.c scope.c output.c
LIB_OBJS = $(LIB_SRCS:.c=.o)
HDRS     = $(wildcard *.h)
UNIT_SRCS = $(wildcard test/test_*.c)
UNIT_BINS = $(UNIT_SRCS:.c=)

all: exclusions

exclusions: exclusions.o $(LIB_OBJS)
	$(CC) $(ALL_CFLAGS) -o $@ exclusions.o $(LIB_OBJS) $(LDFLAGS)

%.o: %.c $(HDRS)
	$(CC) $(ALL_CFLAGS) -DEXCLUSIONS_VERSION='"$(VERSION)"' -c -o $@ $<

test/test_%: test/test_%.c test/unit.h $(LIB_OBJS)
	$(CC) $(ALL_CFLAGS) -I. -o $@ $< $(LIB_OBJS) $(LDFLAGS)

check: exclusions $(UNIT_BINS)
	bash test/run $(UNIT_BINS)

bench: exclusions
	bash test/bench.sh

clean:
	rm -f exclusions *.o $(UNIT_BINS)

.PHONY: all check bench clean
