package dev.persistence.benchmarks;

import jakarta.annotation.Priority;
import jakarta.interceptor.AroundInvoke;
import jakarta.interceptor.Interceptor;
import jakarta.interceptor.InvocationContext;

/** The interceptor of {@link PassThrough}: proceeds, nothing else. */
@PassThrough
@Interceptor
@Priority(Interceptor.Priority.LIBRARY_BEFORE)
public class PassThroughInterceptor {

    @AroundInvoke
    Object proceed(InvocationContext context) throws Exception {
        return context.proceed();
    }
}
