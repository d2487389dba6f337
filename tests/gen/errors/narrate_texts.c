#include <narrate/narrate.h>
void admit(int pos)
{
    NARR_NARRATE(NARR_LEVEL_INFO, .actor = "orchestratord", .action = "admit",
                 .human = NARR_FMT("Accepted request; queued at position %d", pos),
                 .cute = NARR_FMT("A very long cute text that goes on and on about how cozy the queue is, how warm, how "
                                  "friendly the other jobs are, and how soon it will all be over for everyone"));
    NARR_NARRATE(NARR_LEVEL_INFO, .actor = "9lives", .action = "admit", .human = NARR_FMT("ok"));
}
