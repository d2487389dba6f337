#include <narrate/narrate.h>
void talk(int n)
{
    NARR_INFO("bad actor!", "speak", "t", "short %d", n);
    NARR_WARN("svc", "speak", "t", "this human text is far too long to read at a glance in a console line, it goes on and on and on, well past the limit that narrate enforces");
}
